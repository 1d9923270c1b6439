import * as fs from 'node:fs';
import * as path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../support/temporal';
import { LEGACY_HISTORIES, SCENARIOS } from './scenarios';

const HISTORIES = path.resolve(__dirname, '../fixtures/histories');

function load(file: string) {
  return historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')));
}

/** Today's workflow code must replay every recorded case history without nondeterminism. */
describe('replay of recorded exceptionCase histories', () => {
  let bundle: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    bundle = await bundleWorkflows();
  });

  it('has a recorded history for every scenario', () => {
    const recorded = fs.readdirSync(HISTORIES).filter((file) => file.endsWith('.json'));
    expect(recorded.sort()).toEqual(SCENARIOS.map((s) => `${s.name}.json`).sort());
  });

  it.each(SCENARIOS.map((s) => s.name))('replays %s', async (name) => {
    const history = load(`${name}.json`);
    expect(history.events?.length).toBeGreaterThan(5);
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, `case-${name}`);
  });

  it.each(LEGACY_HISTORIES)('replays %s, recorded before the full runbook', async (name) => {
    const history = load(`legacy/${name}.json`);
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, `case-${name}`);
  });

  it('fails on a history the code would not produce', async () => {
    const history = load(`${SCENARIOS[0]!.name}.json`);
    // Rename the first activity in the recorded history: the code schedules another one.
    const scheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType = { name: 'somethingElse' };
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle }, history, 'case-tampered'),
    ).rejects.toThrow(/nondetermin/i);
  });
});
