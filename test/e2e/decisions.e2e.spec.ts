import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { ensureTemporalCli } from '../../scripts/temporal-tools';
import { testingPostgres } from '../support/database';
import { eventually } from '../support/eventually';
import { startSystem, type RunningSystem } from '../support/system';

const run = promisify(execFile);
const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

/** Who may decide what, through the API and through the Temporal CLI. */
describe(`decision rules end to end on ${database}`, () => {
  let system: RunningSystem;
  let env: TestWorkflowEnvironment;
  let api: INestApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    system = await startSystem(`decisions-${process.pid}`);
    ({ env, api } = system);
    http = request(api.getHttpServer());
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

  const decide = (caseId: string, body: Record<string, unknown>) =>
    http.post(`/v1/cases/${caseId}/decision`).send(body);

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
    const refused = await decide(caseId, { decision: 'reject', actor: 'ivy', role: 'auditor' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'role_not_allowed' });
    await http
      .post(`/v1/cases/${caseId}/comments`)
      .send({ actor: 'ana@example.com', text: 'asked the owner' })
      .expect(202);
    const commented = await eventually(async () => {
      const res = await http.get(`/v1/cases/${caseId}`).expect(200);
      const comment = res.body.timeline.find((e: { type: string }) => e.type === 'comment');
      if (!comment) throw new Error('no comment yet');
      return comment;
    });
    expect(commented).toMatchObject({ actor: 'ana@example.com', summary: 'asked the owner' });
    await decide(caseId, { decision: 'reject', actor: 'ana@example.com' }).expect(200);
  });

  it('keeps the requester of a remediation from approving it, and needs two people when critical', async () => {
    const { caseId } = await openCase('agent-two-person', 'critical');
    const requested = await http
      .post(`/v1/cases/${caseId}/remediation-requests`)
      .send({ playbookId: 'block-agent-tool', actor: 'ana@example.com' })
      .expect(200);
    expect(requested.body).toMatchObject({
      proposedRemediation: { playbookId: 'block-agent-tool', requestedBy: 'ana@example.com' },
      allowedDecisions: expect.arrayContaining(['approve_remediation']),
    });
    expect(requested.body.proposedRemediation.preview.steps).toEqual([
      expect.objectContaining({ action: 'block_tool', params: { tool: 'payments.refund' } }),
    ]);

    const self = await decide(caseId, {
      decision: 'approve_remediation',
      actor: 'ana@example.com',
    });
    expect(self.status).toBe(409);
    expect(self.body).toMatchObject({ code: 'another_person_required' });

    const first = await decide(caseId, {
      decision: 'approve_remediation',
      actor: 'bo@example.com',
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'awaiting_decision',
      approvals: [{ decision: 'approve_remediation', actor: 'bo@example.com' }],
    });
    const again = await decide(caseId, {
      decision: 'approve_remediation',
      actor: 'bo@example.com',
    });
    expect(again.status).toBe(409);

    const second = await decide(caseId, {
      decision: 'approve_remediation',
      actor: 'cy@example.com',
      role: 'admin',
    });
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

    expect(await update({ decision: 'reject', actor: 'ivy', role: 'ingest' })).toContain(
      'DecisionRoleNotAllowed',
    );
    expect(await update({ decision: 'accept_risk', actor: 'ana', role: 'analyst' })).toContain(
      'needs the admin role',
    );
    expect(await update({ decision: 'contain', actor: 'ana', role: 'analyst' })).toMatchObject({
      result: { approvals: [{ decision: 'contain', actor: 'ana' }] },
    });
    expect(await update({ decision: 'contain', actor: 'ana', role: 'analyst' })).toContain(
      'DecisionSameActor',
    );
    expect(await update({ decision: 'reject', actor: 'bo', role: 'analyst' })).toMatchObject({
      result: { status: 'resolved', resolution: 'rejected' },
    });
    // Closed: the run has finished, so Temporal itself refuses the update.
    expect(await update({ decision: 'reject', actor: 'bo', role: 'analyst' })).toMatch(
      /CaseNotAwaitingDecision|already completed/,
    );
  });
});
