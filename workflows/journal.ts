import { condition } from '@temporalio/workflow';
import type { CaseActivities } from '../libs/contracts/src/activities';
import type { CaseFile } from './case-file';

export interface JournalPosition {
  readonly revision: number;
  readonly seq: number;
  /** The case's context is recorded: later snapshots leave it out. */
  readonly contextRecorded?: boolean;
}

export interface Journal {
  /** Resolves once every change made so far is recorded. */
  flush(): Promise<void>;
  /** What has been recorded: a continued run starts from here. */
  position(): JournalPosition;
}

/**
 * Records the case to the read model in the background: whenever the case changes, one
 * activity writes the new snapshot and the timeline entries not yet written. Changes that
 * arrive while a write is in flight go into the next one.
 */
export function startJournal(
  file: CaseFile,
  recordCaseProgress: CaseActivities['recordCaseProgress'],
  from: JournalPosition = { revision: 0, seq: 0 },
): Journal {
  let recordedRevision = from.revision;
  let recordedSeq = from.seq;
  let contextRecorded = from.contextRecorded ?? false;

  void (async () => {
    for (;;) {
      await condition(() => file.revision > recordedRevision);
      const full = file.snapshot();
      // The context never changes once gathered, and it is the bulk of a snapshot: it goes
      // into the record (and the history) once.
      const snapshot = contextRecorded ? { ...full, context: null } : full;
      const entries = file.entriesAfter(recordedSeq);
      await recordCaseProgress({ snapshot, entries });
      recordedRevision = snapshot.revision;
      recordedSeq = entries.at(-1)?.seq ?? recordedSeq;
      if (full.context !== null) contextRecorded = true;
    }
  })();

  return {
    flush: () => condition(() => recordedRevision === file.revision),
    position: () => ({ revision: recordedRevision, seq: recordedSeq, contextRecorded }),
  };
}
