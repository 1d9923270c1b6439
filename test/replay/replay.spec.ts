import * as fs from 'node:fs';
import * as path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../support/temporal';
import { SCENARIOS } from './scenarios';

const HISTORIES = path.resolve(__dirname, '../fixtures/histories');

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
    const history = historyFromJSON(
      JSON.parse(fs.readFileSync(path.join(HISTORIES, `${name}.json`), 'utf8')),
    );
    expect(history.events?.length).toBeGreaterThan(5);
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, `case-${name}`);
  });

  it('fails on a history the code would not produce', async () => {
    const history = historyFromJSON(
      JSON.parse(fs.readFileSync(path.join(HISTORIES, `${SCENARIOS[0]!.name}.json`), 'utf8')),
    );
    // Rename the first activity in the recorded history: the code schedules another one.
    const scheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType = { name: 'somethingElse' };
    const tampered = history;
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle }, tampered, 'case-tampered'),
    ).rejects.toThrow(/nondetermin/i);
  });
});
