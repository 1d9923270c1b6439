import { condition } from '@temporalio/workflow';
import type { CaseActivities } from '../libs/contracts/src/activities';
import type { CaseFile } from './case-file';

export interface Journal {
  /** Resolves once every change made so far is recorded. */
  flush(): Promise<void>;
}

/**
 * Records the case to the read model in the background: whenever the case changes, one
 * activity writes the new snapshot and the timeline entries not yet written. Changes that
 * arrive while a write is in flight go into the next one.
 */
export function startJournal(
  file: CaseFile,
  recordCaseProgress: CaseActivities['recordCaseProgress'],
): Journal {
  let recordedRevision = 0;
  let recordedSeq = 0;

  void (async () => {
    for (;;) {
      await condition(() => file.revision > recordedRevision);
      const snapshot = file.snapshot();
      const entries = file.entriesAfter(recordedSeq);
      await recordCaseProgress({ snapshot, entries });
      recordedRevision = snapshot.revision;
      recordedSeq = entries.at(-1)?.seq ?? recordedSeq;
    }
  })();

  return {
    flush: () => condition(() => recordedRevision === file.revision),
  };
}
