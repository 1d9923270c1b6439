import type { TelemetryEvent } from '../../../contracts/src/telemetry';
import type { EventRejection } from '../telemetry/validate-event';

/** One provider record mapped to a Vigil event, or refused with the reason. */
export type MappedRecord =
  | { readonly ok: true; readonly event: TelemetryEvent }
  | { readonly ok: false; readonly rejection: EventRejection };

export function refused(
  index: number,
  field: string,
  message: string,
  code: EventRejection['code'] = 'validation_failed',
): MappedRecord {
  const path = field === '' ? `records[${index}]` : `records[${index}].${field}`;
  return { ok: false, rejection: { index, code, field: path, message } };
}
