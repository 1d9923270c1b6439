import type { ArgumentMetadata } from '@nestjs/common';
import { ApiError } from '../../../apps/api/src/common/api-error';
import { createValidationPipe } from '../../../apps/api/src/common/validation';
import { authorizeRequestOf } from '../../../apps/api/src/guardrail/policies.service';
import { AuthorizeRequestDto } from '../../../apps/api/src/guardrail/dto/authorize.dto';
import { parseAuthorizeRequest } from '../../../apps/api/src/guardrail/dto/authorize-request';

const pipe = createValidationPipe();
const metadata: ArgumentMetadata = { type: 'body', metatype: AuthorizeRequestDto };

/** The answer the validation pipe gives a body: the request, or the error's field and message. */
async function throughPipe(body: unknown) {
  try {
    return {
      request: authorizeRequestOf((await pipe.transform(body, metadata)) as AuthorizeRequestDto),
    };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { field: error.field, message: error.message, status: error.status };
  }
}

function parsed(body: unknown) {
  try {
    return { request: parseAuthorizeRequest(body) };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { field: error.field, message: error.message, status: error.status };
  }
}

const valid = {
  agentId: 'agent-support-bot',
  tool: 'payments.refund',
  action: 'invoke',
  resource: 'order:123',
  context: { amount: 900, currency: 'EUR' },
};

const values: unknown[] = [
  undefined,
  null,
  '',
  'ok',
  'agent-1',
  '-bad',
  'a b',
  'x'.repeat(161),
  'x'.repeat(201),
  'x'.repeat(501),
  5,
  true,
  [],
  ['a'],
  {},
  { a: 1 },
  { big: 'x'.repeat(17 * 1024) },
  'x'.repeat(17 * 1024),
];

describe('authorize request parsing', () => {
  it('accepts what the DTO accepts, with defaults', async () => {
    expect(parsed(valid)).toEqual(await throughPipe(valid));
    const minimal = { agentId: 'a', tool: 't' };
    expect(parsed(minimal)).toEqual(await throughPipe(minimal));
    expect(parsed(minimal).request).toEqual({
      agentId: 'a',
      tool: 't',
      action: 'invoke',
      resource: null,
      context: {},
    });
  });

  it.each(['agentId', 'tool', 'action', 'resource', 'context'])(
    'refuses a bad %s with the field and message the DTO gives',
    async (field) => {
      for (const value of values) {
        const body = { ...valid, [field]: value };
        expect({ value, ...parsed(body) }).toEqual({ value, ...(await throughPipe(body)) });
      }
    },
  );

  it('refuses unknown fields, before anything else, as the DTO does', async () => {
    for (const body of [
      { ...valid, extra: 1 },
      { extra: 1, agentId: 5 },
      { agentId: 5, extra: 1, other: 2 },
      { ...valid, tool: 5, agentid: 'x' },
    ]) {
      expect({ body, ...parsed(body) }).toEqual({ body, ...(await throughPipe(body)) });
    }
  });

  it('reports the first bad field in the order the DTO declares them', async () => {
    for (const body of [
      { tool: 5 },
      { agentId: 5, tool: 5 },
      { agentId: 'a', tool: 5, action: 5, resource: 5, context: 5 },
      { agentId: 'a', tool: 't', action: 5, resource: 5, context: 5 },
      { agentId: 'a', tool: 't', resource: 5, context: 5 },
      { context: 5, resource: 5, agentId: 5 },
    ]) {
      expect({ body, ...parsed(body) }).toEqual({ body, ...(await throughPipe(body)) });
    }
  });
});

describe('authorize request parsing of a body that is not an object', () => {
  it.each([[[]], [[{ agentId: 'a', tool: 't' }]]])('refuses %j as the DTO does', async (body) => {
    expect(parsed(body)).toEqual(await throughPipe(body));
  });
});
