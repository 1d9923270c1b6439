import { RESERVED_CONTEXT_KEYS, type CedarValue } from './cedar-request';

/** The type of a context attribute, as the published Cedar schema declares it. */
export type ContextType =
  | { readonly kind: 'string' }
  | { readonly kind: 'long' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'set'; readonly element: ContextType }
  | { readonly kind: 'record'; readonly attributes: ContextShape }
  | { readonly kind: 'extension'; readonly name: string }
  /** Entity references: only Vigil sets them (the target resource). */
  | { readonly kind: 'entity'; readonly name: string };

export interface ContextAttribute {
  readonly type: ContextType;
  readonly required: boolean;
}

export type ContextShape = ReadonlyMap<string, ContextAttribute>;

export type ContextResult =
  | {
      readonly ok: true;
      readonly context: Record<string, CedarValue>;
      /** Keys the caller sent that the schema does not declare (left out of evaluation). */
      readonly ignored: string[];
    }
  | { readonly ok: false; readonly field: string; readonly message: string };

const RESERVED: ReadonlySet<string> = new Set(RESERVED_CONTEXT_KEYS);
/** Cedar's `decimal`: up to 4 digits after the point. */
const DECIMAL = /^-?\d{1,15}(?:\.\d{1,4})?$/;

class ContextProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A caller's context made into the Cedar context the schema declares. Declared keys are
 * checked and converted (a number for a `decimal`, an array for a `Set`); keys the schema
 * does not declare are left out, so a caller may send more than today's policies read;
 * keys Vigil fills in, a missing required key, or a value of the wrong type are refused
 * with the path of the field.
 */
export function coerceContext(
  raw: Readonly<Record<string, unknown>>,
  shape: ContextShape,
): ContextResult {
  for (const key of Object.keys(raw)) {
    if (RESERVED.has(key)) {
      return { ok: false, field: `context.${key}`, message: `context.${key} is set by Vigil` };
    }
  }
  const clientShape = new Map([...shape].filter(([key]) => !RESERVED.has(key)));
  try {
    const ignored: string[] = [];
    const context = coerceRecord(raw, clientShape, 'context', ignored);
    return { ok: true, context, ignored };
  } catch (error) {
    if (error instanceof ContextProblem) {
      return { ok: false, field: error.field, message: error.message };
    }
    throw error;
  }
}

function coerceRecord(
  raw: Readonly<Record<string, unknown>>,
  shape: ContextShape,
  path: string,
  ignored: string[],
): Record<string, CedarValue> {
  const out: Record<string, CedarValue> = {};
  for (const [key, value] of Object.entries(raw)) {
    const attribute = shape.get(key);
    if (!attribute) {
      ignored.push(`${path}.${key}`);
      continue;
    }
    // JSON null stands for "not given": Cedar has no null.
    if (value === null || value === undefined) continue;
    out[key] = coerceValue(value, attribute.type, `${path}.${key}`, ignored);
  }
  for (const [key, attribute] of shape) {
    if (attribute.required && !(key in out)) {
      throw new ContextProblem(
        `${path}.${key}`,
        `${path}.${key} is required by the active policy schema`,
      );
    }
  }
  return out;
}

function coerceValue(
  value: unknown,
  type: ContextType,
  path: string,
  ignored: string[],
): CedarValue {
  switch (type.kind) {
    case 'string':
      if (typeof value === 'string') return value;
      throw new ContextProblem(path, `${path} must be a string`);
    case 'long':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      throw new ContextProblem(path, `${path} must be a whole number`);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw new ContextProblem(path, `${path} must be true or false`);
    case 'set':
      if (!Array.isArray(value)) throw new ContextProblem(path, `${path} must be an array`);
      return value.map((item, i) => coerceValue(item, type.element, `${path}[${i}]`, ignored));
    case 'record':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ContextProblem(path, `${path} must be an object`);
      }
      return coerceRecord(value as Record<string, unknown>, type.attributes, path, ignored);
    case 'extension':
      return { __extn: { fn: type.name, arg: extensionArgument(value, type.name, path) } };
    case 'entity':
      throw new ContextProblem(path, `${path} refers to an entity, which only Vigil sets`);
  }
}

function extensionArgument(value: unknown, name: string, path: string): string {
  if (name === 'decimal') {
    const text =
      typeof value === 'number' && Number.isFinite(value)
        ? Number.isInteger(value)
          ? `${value}.0`
          : String(value)
        : value;
    if (typeof text === 'string' && DECIMAL.test(text)) {
      return text.includes('.') ? text : `${text}.0`;
    }
    throw new ContextProblem(
      path,
      `${path} must be a decimal number with at most 4 digits after the point`,
    );
  }
  if (typeof value === 'string') return value;
  throw new ContextProblem(path, `${path} must be a string (a Cedar ${name} literal)`);
}
