import {
  CASE_STATUSES,
  DECISION_REJECTIONS,
  DECISIONS,
  DISPOSITIONS,
  RESOLUTIONS,
  type CaseStatus,
  type Decision,
} from '@vigil/contracts';
import {
  MAX_ACTOR_LENGTH,
  MAX_COMMENT_LENGTH,
  allowedDecisions,
  canTransition,
  isAwaitingDecision,
  outcomeOf,
  refuseDecision,
  approvalsNeeded,
  refuseRemediationRequest,
  type DecisionCapabilities,
  type DecisionFacts,
} from '@vigil/domain';

/** The id of an API key, as a decision names the actor's key. */
const KEY_ID = 'k3x9q2m7a1b4';

const AWAITING: readonly CaseStatus[] = ['awaiting_decision', 'escalated'];
const NOT_AWAITING: readonly CaseStatus[] = ['open', 'triaging', 'remediating', 'resolved'];

const ALLOWED_TRANSITIONS: ReadonlyArray<[CaseStatus, CaseStatus]> = [
  ['open', 'triaging'],
  ['open', 'remediating'],
  ['open', 'awaiting_decision'],
  ['open', 'resolved'],
  ['triaging', 'remediating'],
  ['triaging', 'awaiting_decision'],
  ['triaging', 'resolved'],
  ['remediating', 'awaiting_decision'],
  ['remediating', 'escalated'],
  ['remediating', 'resolved'],
  ['awaiting_decision', 'remediating'],
  ['awaiting_decision', 'escalated'],
  ['awaiting_decision', 'resolved'],
  ['escalated', 'remediating'],
  ['escalated', 'resolved'],
];

const isAllowed = (from: CaseStatus, to: CaseStatus): boolean =>
  ALLOWED_TRANSITIONS.some(([f, t]) => f === from && t === to);

const ALL_PAIRS: Array<[CaseStatus, CaseStatus]> = CASE_STATUSES.flatMap((from) =>
  CASE_STATUSES.map((to): [CaseStatus, CaseStatus] => [from, to]),
);
const FORBIDDEN_TRANSITIONS = ALL_PAIRS.filter(([from, to]) => !isAllowed(from, to));

const ALL_CAPABILITIES: DecisionCapabilities = {
  remediationProposed: true,
  containmentAvailable: true,
};
const NO_CAPABILITIES: DecisionCapabilities = {
  remediationProposed: false,
  containmentAvailable: false,
};

function factsOf(
  status: CaseStatus,
  capabilities: DecisionCapabilities,
  more: Partial<DecisionFacts> = {},
): DecisionFacts {
  return {
    status,
    severity: 'high',
    capabilities,
    remediationRequestedBy: null,
    approvals: [],
    ...more,
  };
}

describe('canTransition', () => {
  it.each(ALLOWED_TRANSITIONS)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it('has exactly the 15 allowed transitions and forbids the other 21 pairs', () => {
    expect(ALL_PAIRS.filter(([from, to]) => canTransition(from, to))).toEqual(ALLOWED_TRANSITIONS);
    expect(FORBIDDEN_TRANSITIONS).toHaveLength(36 - 15);
  });

  it.each(FORBIDDEN_TRANSITIONS)('forbids %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it.each(CASE_STATUSES)('never stays in place (%s → %s is not a transition)', (status) => {
    expect(canTransition(status, status)).toBe(false);
  });

  it.each(CASE_STATUSES)('treats resolved as terminal (resolved → %s is forbidden)', (to) => {
    expect(canTransition('resolved', to)).toBe(false);
  });

  it.each(CASE_STATUSES.filter((s) => s !== 'resolved'))(
    'lets every open status (%s) resolve',
    (from) => {
      expect(canTransition(from, 'resolved')).toBe(true);
    },
  );

  it.each(CASE_STATUSES)('never goes back to open (%s → open)', (from) => {
    expect(canTransition(from, 'open')).toBe(false);
  });

  it('escalates from awaiting_decision, and from a remediation that failed', () => {
    expect(CASE_STATUSES.filter((from) => canTransition(from, 'escalated'))).toEqual([
      'remediating',
      'awaiting_decision',
    ]);
  });
});

describe('isAwaitingDecision', () => {
  it.each(AWAITING)('is true for %s', (status) => {
    expect(isAwaitingDecision(status)).toBe(true);
  });

  it.each(NOT_AWAITING)('is false for %s', (status) => {
    expect(isAwaitingDecision(status)).toBe(false);
  });

  it('covers every status in one of the two groups', () => {
    expect([...AWAITING, ...NOT_AWAITING].sort()).toEqual([...CASE_STATUSES].sort());
  });
});

describe('outcomeOf', () => {
  it.each([
    ['approve_remediation', 'remediated_on_approval', 'true_positive'],
    ['contain', 'contained', 'true_positive'],
    ['reject', 'rejected', 'undetermined'],
    ['accept_risk', 'accepted_risk', 'benign_expected'],
    ['false_positive', 'false_positive', 'false_positive'],
  ] as const)('%s resolves as %s with disposition %s', (decision, resolution, disposition) => {
    expect(outcomeOf(decision)).toEqual({ resolution, disposition });
  });

  it.each(DECISIONS)('gives %s a known resolution and disposition', (decision) => {
    const { resolution, disposition } = outcomeOf(decision);
    expect(RESOLUTIONS).toContain(resolution);
    expect(DISPOSITIONS).toContain(disposition);
  });

  it('never resolves a human decision as auto_remediated or expired_default', () => {
    const resolutions = DECISIONS.map((decision) => outcomeOf(decision).resolution);
    expect(resolutions).not.toContain('auto_remediated');
    expect(resolutions).not.toContain('expired_default');
    expect(new Set(resolutions).size).toBe(DECISIONS.length);
  });
});

describe('allowedDecisions', () => {
  const capabilityCombinations: ReadonlyArray<[boolean, boolean, readonly Decision[]]> = [
    [false, false, ['reject', 'accept_risk', 'false_positive']],
    [true, false, ['approve_remediation', 'reject', 'accept_risk', 'false_positive']],
    [false, true, ['reject', 'contain', 'accept_risk', 'false_positive']],
    [true, true, ['approve_remediation', 'reject', 'contain', 'accept_risk', 'false_positive']],
  ];

  const awaitingCases = AWAITING.flatMap((status) =>
    capabilityCombinations.map(
      ([remediationProposed, containmentAvailable, expected]) =>
        [status, remediationProposed, containmentAvailable, expected] as const,
    ),
  );

  it.each(awaitingCases)(
    'in %s with remediationProposed=%s, containmentAvailable=%s allows %j',
    (status, remediationProposed, containmentAvailable, expected) => {
      expect(allowedDecisions(status, { remediationProposed, containmentAvailable })).toEqual(
        expected,
      );
    },
  );

  const notAwaitingCases = NOT_AWAITING.flatMap((status) =>
    capabilityCombinations.map(
      ([remediationProposed, containmentAvailable]) =>
        [status, remediationProposed, containmentAvailable] as const,
    ),
  );

  it.each(notAwaitingCases)(
    'in %s with remediationProposed=%s, containmentAvailable=%s allows nothing',
    (status, remediationProposed, containmentAvailable) => {
      expect(allowedDecisions(status, { remediationProposed, containmentAvailable })).toEqual([]);
    },
  );

  it('returns a fresh array each time, so callers cannot corrupt DECISIONS', () => {
    const first = allowedDecisions('awaiting_decision', ALL_CAPABILITIES);
    first.length = 0;
    expect(allowedDecisions('awaiting_decision', ALL_CAPABILITIES)).toHaveLength(DECISIONS.length);
    expect(DECISIONS).toHaveLength(5);
  });
});

describe('refuseDecision', () => {
  const valid = {
    decision: 'reject',
    actor: 'analyst@example.com',
    role: 'analyst',
    keyId: KEY_ID,
  } as const;

  describe('invalid shapes', () => {
    it.each([
      ['a string', 'reject'],
      ['a number', 42],
      ['a boolean', true],
      ['undefined', undefined],
      ['null', null],
    ])('refuses %s as InvalidDecision: the input must be an object', (_label, input) => {
      expect(refuseDecision(factsOf('awaiting_decision', ALL_CAPABILITIES), input)).toEqual({
        type: DECISION_REJECTIONS.invalid,
        message: 'decision input must be an object',
      });
    });

    it.each([
      ['an unknown decision', { ...valid, decision: 'approve' }],
      ['a decision in the wrong case', { ...valid, decision: 'REJECT' }],
      ['a missing decision', { actor: valid.actor }],
      ['a non-string decision', { ...valid, decision: 1 }],
      ['a resolution instead of a decision', { ...valid, decision: 'accepted_risk' }],
      ['an empty object', {}],
      ['an array', ['reject']],
    ])('refuses %s, listing the decisions that exist', (_label, input) => {
      const refusal = refuseDecision(factsOf('awaiting_decision', ALL_CAPABILITIES), input);
      expect(refusal?.type).toBe(DECISION_REJECTIONS.invalid);
      expect(refusal?.message).toBe(
        'decision must be one of approve_remediation, reject, contain, accept_risk, false_positive',
      );
    });

    it.each([
      ['a missing actor', { decision: 'reject' }],
      ['an empty actor', { ...valid, actor: '' }],
      ['a blank actor', { ...valid, actor: '  \t\n ' }],
      ['a non-string actor', { ...valid, actor: 7 }],
      ['a null actor', { ...valid, actor: null }],
      ['an actor object', { ...valid, actor: { name: 'x' } }],
      [`an actor of ${MAX_ACTOR_LENGTH + 1} characters`, { ...valid, actor: 'a'.repeat(201) }],
    ])('refuses %s, naming the actor rule', (_label, input) => {
      const refusal = refuseDecision(factsOf('awaiting_decision', ALL_CAPABILITIES), input);
      expect(refusal).toEqual({
        type: DECISION_REJECTIONS.invalid,
        message: `actor must be a non-empty string of at most ${MAX_ACTOR_LENGTH} characters`,
      });
      expect(refusal?.message).toContain('200');
    });

    it.each([
      ['a numeric comment', 5],
      ['a null comment', null],
      ['an object comment', { text: 'x' }],
      ['a boolean comment', false],
      [`a comment of ${MAX_COMMENT_LENGTH + 1} characters`, 'c'.repeat(4001)],
    ])('refuses %s, naming the comment rule', (_label, comment) => {
      expect(
        refuseDecision(factsOf('awaiting_decision', ALL_CAPABILITIES), { ...valid, comment }),
      ).toEqual({
        type: DECISION_REJECTIONS.invalid,
        message: `comment must be a string of at most ${MAX_COMMENT_LENGTH} characters`,
      });
    });

    it('checks the shape before the status: a malformed input to a resolved case is invalid', () => {
      expect(refuseDecision(factsOf('resolved', NO_CAPABILITIES), { decision: 'nope' })?.type).toBe(
        DECISION_REJECTIONS.invalid,
      );
    });

    it('reports the first problem: decision before actor before comment', () => {
      expect(
        refuseDecision(factsOf('awaiting_decision', ALL_CAPABILITIES), {
          decision: 'nope',
          actor: '',
          comment: 1,
        })?.message,
      ).toMatch(/^decision must be/);
      expect(
        refuseDecision(factsOf('awaiting_decision', ALL_CAPABILITIES), {
          decision: 'reject',
          actor: '',
          comment: 1,
        })?.message,
      ).toMatch(/^actor must be/);
    });
  });

  describe('boundaries', () => {
    it('MAX_ACTOR_LENGTH is 200 and MAX_COMMENT_LENGTH is 4000', () => {
      expect(MAX_ACTOR_LENGTH).toBe(200);
      expect(MAX_COMMENT_LENGTH).toBe(4000);
    });

    it.each([
      [1, null],
      [MAX_ACTOR_LENGTH - 1, null],
      [MAX_ACTOR_LENGTH, null],
      [MAX_ACTOR_LENGTH + 1, DECISION_REJECTIONS.invalid],
    ])('an actor of %i characters → %s', (length, expected) => {
      const refusal = refuseDecision(factsOf('awaiting_decision', NO_CAPABILITIES), {
        ...valid,
        actor: 'a'.repeat(length),
      });
      expect(refusal?.type ?? null).toBe(expected);
    });

    it.each([
      [0, null],
      [MAX_COMMENT_LENGTH - 1, null],
      [MAX_COMMENT_LENGTH, null],
      [MAX_COMMENT_LENGTH + 1, DECISION_REJECTIONS.invalid],
    ])('a comment of %i characters → %s', (length, expected) => {
      const refusal = refuseDecision(factsOf('awaiting_decision', NO_CAPABILITIES), {
        ...valid,
        comment: 'c'.repeat(length),
      });
      expect(refusal?.type ?? null).toBe(expected);
    });

    it('accepts an actor with surrounding spaces as long as something is left', () => {
      expect(
        refuseDecision(factsOf('awaiting_decision', NO_CAPABILITIES), { ...valid, actor: ' bob ' }),
      ).toBeNull();
    });

    it('accepts an explicitly undefined comment', () => {
      expect(
        refuseDecision(factsOf('awaiting_decision', NO_CAPABILITIES), {
          ...valid,
          comment: undefined,
        }),
      ).toBeNull();
    });
  });

  describe('not awaiting a decision', () => {
    it.each(NOT_AWAITING)('refuses a well-formed decision on a %s case', (status) => {
      expect(refuseDecision(factsOf(status, ALL_CAPABILITIES), valid)).toEqual({
        type: DECISION_REJECTIONS.notAwaitingDecision,
        message: `case is ${status}, not awaiting a decision`,
      });
    });

    it('checks the status before the capabilities', () => {
      expect(
        refuseDecision(factsOf('resolved', NO_CAPABILITIES), { ...valid, decision: 'contain' })
          ?.type,
      ).toBe(DECISION_REJECTIONS.notAwaitingDecision);
    });
  });

  describe('not allowed', () => {
    it.each(AWAITING)('refuses approve_remediation in %s when nothing is proposed', (status) => {
      expect(
        refuseDecision(
          factsOf(status, { remediationProposed: false, containmentAvailable: true }),
          { ...valid, decision: 'approve_remediation' },
        ),
      ).toEqual({
        type: DECISION_REJECTIONS.notAllowed,
        message: 'approve_remediation: no remediation has been proposed for this case',
      });
    });

    it.each(AWAITING)('refuses contain in %s when no containment exists', (status) => {
      expect(
        refuseDecision(
          factsOf(status, { remediationProposed: true, containmentAvailable: false }),
          { ...valid, decision: 'contain' },
        ),
      ).toEqual({
        type: DECISION_REJECTIONS.notAllowed,
        message: 'contain: no containment action is available for this identity',
      });
    });
  });

  describe('accepted', () => {
    const accepted = AWAITING.flatMap((status) =>
      DECISIONS.map((decision) => [status, decision] as const),
    );

    it.each(accepted)('accepts %s / %s when every capability is present', (status, decision) => {
      expect(
        refuseDecision(factsOf(status, ALL_CAPABILITIES), {
          decision,
          actor: 'analyst@example.com',
          role: 'analyst',
          keyId: KEY_ID,
          comment: 'checked with the owner',
        }),
      ).toBeNull();
    });

    it.each(['reject', 'accept_risk', 'false_positive'] as const)(
      'accepts %s without any capability',
      (decision) => {
        expect(
          refuseDecision(factsOf('awaiting_decision', NO_CAPABILITIES), {
            decision,
            actor: 'a',
            role: 'analyst',
            keyId: KEY_ID,
          }),
        ).toBeNull();
      },
    );

    it('ignores unknown extra fields', () => {
      expect(
        refuseDecision(factsOf('escalated', NO_CAPABILITIES), { ...valid, ticket: 'SEC-1' }),
      ).toBeNull();
    });

    it('agrees with allowedDecisions for every status, capability set and decision', () => {
      for (const status of CASE_STATUSES) {
        for (const remediationProposed of [false, true]) {
          for (const containmentAvailable of [false, true]) {
            const capabilities = { remediationProposed, containmentAvailable };
            const allowed = allowedDecisions(status, capabilities);
            for (const decision of DECISIONS) {
              const refusal = refuseDecision(factsOf(status, capabilities), {
                decision,
                actor: 'a',
                role: 'admin',
                keyId: KEY_ID,
              });
              expect({ status, capabilities, decision, accepted: refusal === null }).toEqual({
                status,
                capabilities,
                decision,
                accepted: allowed.includes(decision),
              });
            }
          }
        }
      }
    });
  });
});

describe('who may decide', () => {
  const proposed = factsOf('awaiting_decision', ALL_CAPABILITIES, {
    remediationRequestedBy: 'ana@example.com',
  });
  const decide = (
    facts: DecisionFacts,
    decision: Decision,
    actor: string,
    role: string,
    more: Record<string, unknown> = {},
  ) => refuseDecision(facts, { decision, actor, role, keyId: KEY_ID, ...more });

  it.each(['ingest', 'auditor'])('refuses the %s role any decision', (role) => {
    for (const decision of DECISIONS) {
      expect(decide(proposed, decision, 'bo@example.com', role)?.type).toBe(
        DECISION_REJECTIONS.roleNotAllowed,
      );
    }
  });

  it('refuses an unknown role as invalid input', () => {
    expect(decide(proposed, 'reject', 'bo', 'root')).toEqual({
      type: DECISION_REJECTIONS.invalid,
      message: 'role must be one of ingest, analyst, admin, auditor',
    });
  });

  it('leaves accepting the risk of a critical case to an admin', () => {
    const critical = { ...proposed, severity: 'critical' as const };
    expect(decide(critical, 'accept_risk', 'bo', 'analyst')?.type).toBe(
      DECISION_REJECTIONS.roleNotAllowed,
    );
    expect(decide(critical, 'accept_risk', 'bo', 'admin')).toBeNull();
    expect(decide(proposed, 'accept_risk', 'bo', 'analyst')).toBeNull();
  });

  it('refuses the requester of a remediation its approval, whatever the role', () => {
    for (const role of ['analyst', 'admin']) {
      expect(decide(proposed, 'approve_remediation', 'ana@example.com', role)).toEqual({
        type: DECISION_REJECTIONS.sameActor,
        message: 'ana@example.com requested this remediation and cannot also approve it',
      });
    }
    expect(decide(proposed, 'approve_remediation', 'bo@example.com', 'analyst')).toBeNull();
    // The requester may still take any other decision.
    expect(decide(proposed, 'reject', 'ana@example.com', 'analyst')).toBeNull();
  });

  it('needs two distinct people to approve or contain on a critical case', () => {
    expect(approvalsNeeded('critical', 'approve_remediation')).toBe(2);
    expect(approvalsNeeded('critical', 'contain')).toBe(2);
    expect(approvalsNeeded('critical', 'reject')).toBe(1);
    expect(approvalsNeeded('high', 'contain')).toBe(1);
    const onceApproved = factsOf('escalated', ALL_CAPABILITIES, {
      severity: 'critical',
      approvals: [{ decision: 'contain', actor: 'bo', at: '2026-01-01T00:00:00.000Z' }],
    });
    expect(decide(onceApproved, 'contain', 'bo', 'analyst')?.type).toBe(
      DECISION_REJECTIONS.sameActor,
    );
    expect(decide(onceApproved, 'contain', 'cy', 'analyst')).toBeNull();
    // An approval counts for its own decision only.
    expect(decide(onceApproved, 'approve_remediation', 'bo', 'analyst')).toBeNull();
  });

  it.each([
    [30, null],
    [1, null],
    [365, null],
    [0, DECISION_REJECTIONS.invalid],
    [366, DECISION_REJECTIONS.invalid],
    [1.5, DECISION_REJECTIONS.invalid],
    ['30', DECISION_REJECTIONS.invalid],
  ])('takes acceptRiskDays %p → %s', (days, expected) => {
    expect(
      decide(proposed, 'accept_risk', 'bo', 'analyst', { acceptRiskDays: days })?.type ?? null,
    ).toBe(expected);
  });

  it('takes acceptRiskDays with accept_risk only', () => {
    expect(decide(proposed, 'reject', 'bo', 'analyst', { acceptRiskDays: 3 })?.message).toBe(
      'acceptRiskDays applies to accept_risk only',
    );
  });
});

describe('refuseRemediationRequest', () => {
  const request = { playbookId: 'revoke-scope', actor: 'ana', role: 'analyst', keyId: KEY_ID };

  it('takes a request from an analyst or admin on a case awaiting a decision', () => {
    expect(refuseRemediationRequest('awaiting_decision', request)).toBeNull();
    expect(refuseRemediationRequest('escalated', { ...request, role: 'admin' })).toBeNull();
  });

  it('refuses other roles, other states and malformed requests', () => {
    expect(
      refuseRemediationRequest('awaiting_decision', { ...request, role: 'ingest' })?.type,
    ).toBe(DECISION_REJECTIONS.roleNotAllowed);
    expect(refuseRemediationRequest('resolved', request)?.type).toBe(
      DECISION_REJECTIONS.notAwaitingDecision,
    );
    expect(
      refuseRemediationRequest('awaiting_decision', { ...request, playbookId: 'A B' })?.type,
    ).toBe(DECISION_REJECTIONS.invalid);
    expect(refuseRemediationRequest('awaiting_decision', null)?.type).toBe(
      DECISION_REJECTIONS.invalid,
    );
  });
});

describe('the actor’s key on a decision', () => {
  const facts = factsOf('awaiting_decision', ALL_CAPABILITIES);
  const decision = { decision: 'reject', actor: 'ana@example.com', role: 'analyst' } as const;

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['a whole key', 'vgl_k3x9q2m7a1b4_Q8vN2pX7rT4wY1zB6mK9cF3hJ5dL0sA2g'],
    ['upper case', 'K3X9Q2M7A1B4'],
    ['a number', 7],
  ])('a validator refuses a keyId that is %s', (_label, keyId) => {
    expect(refuseDecision(facts, { ...decision, keyId })).toEqual({
      type: DECISION_REJECTIONS.invalid,
      message: expect.stringContaining('keyId must be the id'),
    });
    expect(
      refuseRemediationRequest('awaiting_decision', {
        playbookId: 'revoke-scope',
        ...decision,
        keyId,
      })?.type,
    ).toBe(DECISION_REJECTIONS.invalid);
  });

  it('judges a decision from before keys again without one, but never a malformed key', () => {
    expect(refuseDecision(facts, decision, { requireKey: false })).toBeNull();
    expect(refuseDecision(facts, { ...decision, keyId: KEY_ID }, { requireKey: false })).toBeNull();
    expect(refuseDecision(facts, { ...decision, keyId: 'X' }, { requireKey: false })?.type).toBe(
      DECISION_REJECTIONS.invalid,
    );
  });
});
