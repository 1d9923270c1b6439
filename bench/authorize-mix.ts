/**
 * Tool calls as agent runtimes make them, for the guardrail benchmark: 100 registered agents
 * (a fifth without the refund tool, a tenth in staging), each call a draw from a weighted
 * mix of tools with the resources and contexts real calls carry (order ids from a large
 * range, refund amounts to the cent), so that some calls are allowed and some denied.
 */
import type { AuthorizeRequest } from '@vigil/contracts';

export const AGENTS = 100;

/** The inventory record of agent `i`, as `POST /v1/identities/import` takes it. */
export function agentIdentity(i: number) {
  return {
    id: `agent-${i}`,
    kind: 'ai_agent' as const,
    owner: `owner-${i % 7}@example.com`,
    team: 'support',
    vendor: null,
    criticality: (i % 25 === 0 ? 'critical' : 'high') as 'critical' | 'high',
    environment: i % 10 === 9 ? 'staging' : 'prod',
    status: 'active' as const,
    policy: {
      rotationPeriodDays: null,
      rotationToleranceDays: null,
      allowedScopes: [],
      allowedTools: i % 5 === 4 ? ['orders.*', 'kb.*'] : ['payments.refund', 'orders.*', 'kb.*'],
      resourceSensitivity: [],
    },
  };
}

/** A seeded generator of uniform numbers in [0, 1). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Call = (agentId: string, draw: () => number) => AuthorizeRequest;

const int = (draw: () => number, max: number) => 1 + Math.floor(draw() * max);
const cents = (draw: () => number, from: number, to: number) =>
  Math.round((from + draw() * (to - from)) * 100) / 100;
const call = (
  agentId: string,
  tool: string,
  resource: string | null,
  context: Record<string, unknown>,
): AuthorizeRequest => ({ agentId, tool, action: 'invoke', resource, context });

/** [weight, call]: reads and searches most, refunds to the cent, some forbidden calls. */
const MIX: ReadonlyArray<readonly [number, Call]> = [
  [30, (a, d) => call(a, 'orders.read', `order:${int(d, 100_000)}`, {})],
  [
    8,
    (a, d) =>
      call(a, 'orders.read', `order:${int(d, 100_000)}`, { onBehalfOf: `user-${int(d, 1_000)}` }),
  ],
  [
    25,
    (a, d) => call(a, 'kb.search', `kb:article-${int(d, 200)}`, { query: `q${int(d, 10_000)}` }),
  ],
  [15, (a, d) => call(a, 'orders.update', `order:${int(d, 100_000)}`, { environment: 'prod' })],
  [
    12,
    (a, d) =>
      call(a, 'payments.refund', `order:${int(d, 100_000)}`, {
        amount: cents(d, 1, 450),
        currency: 'EUR',
        environment: 'prod',
      }),
  ],
  [
    3,
    (a, d) =>
      call(a, 'payments.refund', `order:${int(d, 100_000)}`, {
        amount: cents(d, 500.01, 5_000),
        currency: 'EUR',
        environment: 'prod',
      }),
  ],
  [
    2,
    (a, d) =>
      call(a, 'payments.refund', `order:${int(d, 100_000)}`, {
        amount: cents(d, 1, 100),
        environment: 'staging',
      }),
  ],
  [3, (a) => call(a, 'shell.run', null, { command: 'ls' })],
  [2, (a, d) => call(a, 'crm.export', `account:${int(d, 5_000)}`, {})],
];
const TOTAL = MIX.reduce((sum, [weight]) => sum + weight, 0);

/** An endless stream of calls from random agents, the same for the same seed. */
export function callStream(seed: number): () => AuthorizeRequest {
  const draw = random(seed);
  return () => {
    const agentId = `agent-${Math.floor(draw() * AGENTS)}`;
    let pick = draw() * TOTAL;
    for (const [weight, make] of MIX) {
      pick -= weight;
      if (pick < 0) return make(agentId, draw);
    }
    return MIX[0]![1](agentId, draw);
  };
}
