import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTemporalCli } from '../../scripts/temporal-tools';
import { testingPostgres } from '../support/database';
import { eventually } from '../support/eventually';
import { startSystem, type RunningSystem } from '../support/system';
import { apiClient, clientFor, type Http } from '../support/http';

const run = promisify(execFile);
const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

/** Who may decide what, through the API and through the Temporal CLI. */
describe(`decision rules end to end on ${database}`, () => {
  let system: RunningSystem;
  let env: TestWorkflowEnvironment;
  let api: INestApplication;
  let http: Http;
  /** Each person's own key: the API records the key's name as the actor, and its role. */
  let ana: Http, bo: Http, cy: Http, ivy: Http;
  let keys: Record<'ana' | 'bo' | 'cy' | 'ivy' | 'ingest', string>;

  beforeAll(async () => {
    system = await startSystem(`decisions-${process.pid}`);
    ({ env, api } = system);
    http = apiClient(api);
    const people = await Promise.all([
      clientFor(api, 'ana@example.com', 'analyst'),
      clientFor(api, 'bo@example.com', 'analyst'),
      clientFor(api, 'cy@example.com', 'admin'),
      clientFor(api, 'ivy@example.com', 'auditor'),
      clientFor(api, 'collector', 'ingest'),
    ]);
    [ana, bo, cy, ivy] = people;
    keys = {
      ana: people[0].keyId,
      bo: people[1].keyId,
      cy: people[2].keyId,
      ivy: people[3].keyId,
      ingest: people[4].keyId,
    };
  });

  afterAll(() => system?.stop());

  async function openCase(identityId: string, severity: string, kind = 'policy_violation') {
    await http
      .put(`/v1/identities/${identityId}`)
      .send({
        kind: 'ai_agent',
        owner: 'olga@example.com',
        team: 'support',
        criticality: 'high',
        environment: 'prod',
        policy: { allowedTools: ['kb.search'] },
      })
      .expect((res) => expect([200, 201]).toContain(res.status));
    const { body } = await http
      .post('/v1/exceptions')
      .send({
        identityId,
        kind,
        severity,
        evidence: { value: 'payments.refund', score: 0.95, details: { violation: 'tool' } },
      })
      .expect(202);
    const opened = await eventually(async () => {
      const res = await http.get(`/v1/cases/${body.caseId}`).expect(200);
      if (res.body.escalation?.tier !== 1) throw new Error(`case is ${res.body.status}`);
      return res.body;
    });
    return { caseId: body.caseId as string, workflowId: body.workflowId as string, opened };
  }

  const decide = (as: Http, caseId: string, body: Record<string, unknown>) =>
    as.post(`/v1/cases/${caseId}/decision`).send(body);

  it('shows the context, the risk and the escalation it gathered', async () => {
    const { opened } = await openCase('agent-context', 'high', 'human_use');
    expect(opened).toMatchObject({
      status: 'awaiting_decision',
      context: {
        identity: { id: 'agent-context', kind: 'ai_agent', owner: 'olga@example.com' },
        tools: { granted: ['kb.search'], used: [], unused: ['kb.search'] },
        relatedCases: [],
      },
      risk: { severity: 'critical' },
      escalation: { tier: 1, route: 'owner', assignee: 'olga@example.com', failSafe: 'contain' },
    });
    expect(opened.risk.factors.map((f: { factor: string }) => f.factor)).toEqual([
      'detector score',
      'high-criticality identity',
    ]);
  });

  it('refuses a role that may not decide, and lets an analyst comment', async () => {
    const { caseId } = await openCase('agent-roles', 'high');
    // An auditor's key may read the case but not decide it.
    await ivy.get(`/v1/cases/${caseId}`).expect(200);
    const refused = await decide(ivy, caseId, { decision: 'reject' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'forbidden' });
    // Who decides comes from the key, never from the body.
    const claimed = await decide(ana, caseId, { decision: 'reject', actor: 'cy@example.com' });
    expect(claimed.status).toBe(400);
    expect(claimed.body).toMatchObject({ code: 'validation_failed', field: 'actor' });
    await ana.post(`/v1/cases/${caseId}/comments`).send({ text: 'asked the owner' }).expect(202);
    const commented = await eventually(async () => {
      const res = await http.get(`/v1/cases/${caseId}`).expect(200);
      const comment = res.body.timeline.find((e: { type: string }) => e.type === 'comment');
      if (!comment) throw new Error('no comment yet');
      return comment;
    });
    expect(commented).toMatchObject({ actor: 'ana@example.com', summary: 'asked the owner' });
    const rejected = await decide(ana, caseId, { decision: 'reject' }).expect(200);
    expect(rejected.body.decision).toMatchObject({ decision: 'reject', actor: 'ana@example.com' });
  });

  it('keeps the requester of a remediation from approving it, and needs two people when critical', async () => {
    const { caseId } = await openCase('agent-two-person', 'critical');
    const requested = await ana
      .post(`/v1/cases/${caseId}/remediation-requests`)
      .send({ playbookId: 'block-agent-tool' })
      .expect(200);
    expect(requested.body).toMatchObject({
      proposedRemediation: { playbookId: 'block-agent-tool', requestedBy: 'ana@example.com' },
      allowedDecisions: expect.arrayContaining(['approve_remediation']),
    });
    expect(requested.body.proposedRemediation.preview.steps).toEqual([
      expect.objectContaining({ action: 'block_tool', params: { tool: 'payments.refund' } }),
    ]);

    const self = await decide(ana, caseId, { decision: 'approve_remediation' });
    expect(self.status).toBe(409);
    expect(self.body).toMatchObject({ code: 'another_person_required' });

    const first = await decide(bo, caseId, { decision: 'approve_remediation' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'awaiting_decision',
      approvals: [{ decision: 'approve_remediation', actor: 'bo@example.com' }],
    });
    const again = await decide(bo, caseId, { decision: 'approve_remediation' });
    expect(again.status).toBe(409);

    const second = await decide(cy, caseId, { decision: 'approve_remediation' });
    expect(second.status).toBe(200);
    // The answer comes once the approved remediation has started (or already finished).
    expect(['remediating', 'resolved']).toContain(second.body.status);
    const done = await eventually(async () => {
      const res = await http.get(`/v1/cases/${caseId}`).expect(200);
      if (res.body.status !== 'resolved') throw new Error(`case is ${res.body.status}`);
      return res.body;
    });
    expect(done).toMatchObject({
      resolution: 'remediated_on_approval',
      remediation: { playbookId: 'block-agent-tool', trigger: 'approved', outcome: 'succeeded' },
    });
    const restrictions = await http.get('/v1/identities/agent-two-person/restrictions').expect(200);
    expect(JSON.stringify(restrictions.body)).toContain('payments.refund');
  });

  it('applies the same rules to a decision sent with the Temporal CLI', async () => {
    const { workflowId } = await openCase('agent-cli', 'critical');
    const cli = ensureTemporalCli({ quiet: true });
    const update = (input: Record<string, unknown>) =>
      run(cli, [
        'workflow',
        'update',
        'execute',
        '--address',
        env.address,
        '--workflow-id',
        workflowId,
        '--name',
        'decide',
        '--input',
        JSON.stringify(input),
        '--output',
        'json',
      ]).then(
        ({ stdout }) => JSON.parse(stdout) as { result: Record<string, unknown> },
        (error: { stderr: string }) => error.stderr,
      );

    const as = (who: 'ana' | 'bo', role = 'analyst') => ({
      actor: `${who}@example.com`,
      role,
      keyId: keys[who],
    });
    expect(await update({ decision: 'reject', actor: 'collector', role: 'ingest' })).toContain(
      'keyId must be the id',
    );
    expect(
      await update({ decision: 'reject', actor: 'collector', role: 'ingest', keyId: keys.ingest }),
    ).toContain('DecisionRoleNotAllowed');
    expect(await update({ decision: 'accept_risk', ...as('ana') })).toContain(
      'needs the admin role',
    );
    // The key store must vouch for the actor: a key of someone else, a role the key does
    // not hold, and an unknown key are all refused, and nothing is recorded.
    expect(await update({ decision: 'contain', ...as('ana'), keyId: keys.bo })).toContain(
      `belongs to bo@example.com, not ana@example.com`,
    );
    expect(await update({ decision: 'contain', ...as('ana'), role: 'admin' })).toContain(
      'holds the role analyst, not admin',
    );
    expect(await update({ decision: 'contain', ...as('ana'), keyId: 'nosuchkey1' })).toContain(
      'DecisionActorUnverified',
    );
    expect(await update({ decision: 'contain', ...as('ana') })).toMatchObject({
      result: { approvals: [{ decision: 'contain', actor: 'ana@example.com' }] },
    });
    expect(await update({ decision: 'contain', ...as('ana') })).toContain('DecisionSameActor');
    // A revoked key no longer vouches for its holder.
    await http.delete(`/v1/keys/${keys.bo}`).expect(200);
    expect(await update({ decision: 'reject', ...as('bo') })).toContain('was revoked');
    const cyKey = { actor: 'cy@example.com', role: 'admin', keyId: keys.cy };
    expect(await update({ decision: 'reject', ...cyKey })).toMatchObject({
      result: { status: 'resolved', resolution: 'rejected' },
    });
    // Closed: the run has finished, so Temporal itself refuses the update.
    expect(await update({ decision: 'reject', ...cyKey })).toMatch(
      /CaseNotAwaitingDecision|already completed/,
    );
  });
});
