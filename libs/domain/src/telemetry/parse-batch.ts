import type { EventRejection } from './validate-event';

export const BATCH_FORMATS = ['json', 'ndjson'] as const;
export type BatchFormat = (typeof BATCH_FORMATS)[number];

export interface ParsedBatch {
  /** Items in request order; a line that did not parse is `undefined` and listed in `rejected`. */
  readonly items: readonly unknown[];
  readonly rejected: readonly EventRejection[];
}

export class BatchFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchFormatError';
  }
}

/**
 * A batch body: a JSON array, or NDJSON (one JSON object per line, blank lines skipped). In
 * NDJSON a line that does not parse is refused on its own; the other lines still count.
 */
export function parseBatch(body: string, format: BatchFormat, field = 'events'): ParsedBatch {
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new BatchFormatError('request body is not valid JSON');
    }
    if (!Array.isArray(parsed)) {
      throw new BatchFormatError(`a JSON body must be an array of ${field}`);
    }
    return { items: parsed, rejected: [] };
  }
  const items: unknown[] = [];
  const rejected: EventRejection[] = [];
  const lines = body.split('\n');
  for (let lineNumber = 1; lineNumber <= lines.length; lineNumber += 1) {
    const text = lines[lineNumber - 1]!.trim();
    if (text === '') continue;
    try {
      items.push(JSON.parse(text));
    } catch {
      rejected.push({
        index: items.length,
        code: 'malformed_json',
        field: `${field}[${items.length}]`,
        message: `line ${lineNumber} is not valid JSON`,
      });
      items.push(undefined);
    }
  }
  return { items, rejected };
}
