import { DEFAULT_TOOL_ACTION, type AuthorizeRequest } from '@vigil/contracts';
import { IDENTITY_ID_PATTERN } from '@vigil/domain';
import { ApiError } from '../../common/api-error';
import { ACTION_PATTERN, MAX_CONTEXT_BYTES, TOOL_PATTERN } from './authorize.dto';

const FIELDS: ReadonlySet<string> = new Set(['agentId', 'tool', 'action', 'resource', 'context']);

const MESSAGES = {
  agentId:
    'agentId must be 1-160 characters: letters, digits and . _ : @ / + = , -, starting with a letter or digit',
  tool: 'tool must be 1-200 characters: letters, digits and . _ : @ / + = , -, starting with a letter or digit',
  action: 'action must be 1-100 characters: letters, digits and . _ : -',
} as const;

/**
 * The body of `POST /v1/authorize` checked as AuthorizeRequestDto declares it (the same
 * rules, fields and messages as the validation pipe gives), without building and reflecting
 * over a DTO instance: this route is in every agent's request path.
 */
export function parseAuthorizeRequest(body: unknown): AuthorizeRequest {
  // An array is checked as the object it is (its indices are unknown fields), as in the DTO.
  if (typeof body !== 'object' || body === null) {
    throw ApiError.validation('body', 'request is invalid');
  }
  const raw = body as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!FIELDS.has(key)) throw ApiError.validation(key, `${key} is not a known field`);
  }
  const agentId = patterned(raw.agentId, 'agentId', IDENTITY_ID_PATTERN);
  const tool = patterned(raw.tool, 'tool', TOOL_PATTERN);
  const action =
    raw.action === undefined || raw.action === null
      ? DEFAULT_TOOL_ACTION
      : patterned(raw.action, 'action', ACTION_PATTERN);
  let resource: string | null = null;
  if (raw.resource !== undefined && raw.resource !== null) {
    // The length rule comes first and fails for a value that is not a string, as in the DTO.
    if (typeof raw.resource !== 'string' || raw.resource.length > 500) {
      throw ApiError.validation('resource', 'resource must be at most 500 characters');
    }
    resource = raw.resource;
  }
  let context: Record<string, unknown> = {};
  if (raw.context !== undefined && raw.context !== null) {
    if (Buffer.byteLength(JSON.stringify(raw.context), 'utf8') > MAX_CONTEXT_BYTES) {
      throw ApiError.validation(
        'context',
        `context must be at most ${MAX_CONTEXT_BYTES} bytes as JSON`,
      );
    }
    if (typeof raw.context !== 'object' || Array.isArray(raw.context)) {
      throw ApiError.validation('context', 'context must be a JSON object');
    }
    context = raw.context as Record<string, unknown>;
  }
  return { agentId, tool, action, resource, context };
}

function patterned(value: unknown, field: keyof typeof MESSAGES, pattern: RegExp): string {
  if (typeof value === 'string' && pattern.test(value)) return value;
  throw ApiError.validation(field, MESSAGES[field]);
}
