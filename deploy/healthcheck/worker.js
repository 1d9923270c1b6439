'use strict';
// The worker has no HTTP listener, so its health is read from Temporal: the container is healthy
// while a poller from this host has long-polled the case task queue recently. Temporal's
// default worker identity is `<pid>@<hostname>`, and a container's hostname is its own.
const os = require('node:os');
const { Connection } = require('@temporalio/client');
const { optionalTsToMs } = require('@temporalio/common');

// Long polls are renewed about once a minute while the worker is alive.
const STALE_AFTER_MS = 2 * 60 * 1000;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

function setting(name) {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function isPolling() {
  const address = setting('TEMPORAL_ADDRESS');
  const namespace = setting('TEMPORAL_NAMESPACE');
  const taskQueue = setting('TEMPORAL_TASK_QUEUE');
  const connection = await Connection.connect({ address, connectTimeout: '5s' });
  try {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
    });
    const host = os.hostname();
    const now = Date.now();
    return pollers.some((poller) => {
      const lastSeen = optionalTsToMs(poller.lastAccessTime);
      return (
        (poller.identity ?? '').includes(host) &&
        lastSeen !== undefined &&
        now - lastSeen < STALE_AFTER_MS
      );
    });
  } finally {
    await connection.close();
  }
}

isPolling().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
