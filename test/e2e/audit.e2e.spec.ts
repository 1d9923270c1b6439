import type { INestApplication } from '@nestjs/common';
import { AuditLogEntity } from '@vigil/persistence';
import { testingPostgres } from '../support/database';
import { eventually } from '../support/eventually';
import { apiClient as agent, clientFor, type Http } from '../support/http';
import { startApi, startSystem, testConfig, type RunningSystem } from '../support/system';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';
const HOUR = 3_600_000;

function expectError(body: unknown, code: string, field?: string): void {
  expect(body).toEqual({
    code,
    message: expect.any(String),
    ...(field ? { field } : {}),
    requestId: expect.any(String),
  });
}

/** RFC 4180 parsing, enough to read back what the export wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

describe(`audit log, exceptions export and control-effectiveness report on ${database}`, () => {
  let system: RunningSystem;
  let api: INestApplication;
  let http: Http;
  const from = new Date(Date.now() - HOUR).toISOString();
  const to = new Date(Date.now() + 2 * HOUR).toISOString();
  const window = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  let decidedCaseId: string;
  let openCaseId: string;

  beforeAll(async () => {
    system = await startSystem(`audit-${process.pid}`);
    ({ api } = system);
    http = agent(api);
  });

  afterAll(() => system?.stop());

  async function openCase(fingerprint: string, evidence: Record<string, unknown>): Promise<string> {
    const { body } = await http
      .post('/v1/exceptions')
      .send({
        identityId: 'agent-support-bot',
        kind: 'policy_violation',
        severity: 'high',
        fingerprint,
        evidence,
      })
      .expect(202);
    await eventually(async () => {
      const res = await http.get(`/v1/cases/${body.caseId}`).expect(200);
      if (res.body.escalation?.tier !== 1) throw new Error(`case is ${res.body.status}`);
    });
    return body.caseId as string;
  }

  it('records a decided case in the log, the export with its outcome, and the report', async () => {
    await http
      .put('/v1/identities/agent-support-bot')
      .send({
        kind: 'ai_agent',
        owner: 'olga@example.com',
        team: 'support',
        criticality: 'high',
        environment: 'prod',
        policy: { allowedTools: ['kb.search'] },
      })
      .expect(201);
    await http
      .put('/v1/identities/svc-batch')
      .send({ kind: 'service_account', owner: 'ops@example.com', criticality: 'low' })
      .expect(201);
    const now = Date.now();
    const events = [0, 1, 2].map((n) => ({
      id: `audit-evt-${n}`,
      time: new Date(now - n * 60_000).toISOString(),
      identityId: 'svc-batch',
      type: 'api.called',
      action: 'read',
      resource: 'db:orders',
      scope: 'db:read',
      source: { ip: '10.0.0.7' },
    }));
    await http.post('/v1/events').send(events).expect(200);

    decidedCaseId = await openCase(`audit-refund-${process.pid}`, {
      reason: 'tool payments.refund is forbidden by internal policy',
      value: 'payments.refund',
      score: 0.95,
      threshold: 0.5,
    });
    openCaseId = await openCase(`audit-bulk-${process.pid}`, {
      reason: 'refund, "bulk"\nsecond line',
      value: '=HYPERLINK("http://x")',
      score: 0.7,
    });
    const ana = await clientFor(api, 'ana@example.com', 'analyst');
    await ana
      .post(`/v1/cases/${decidedCaseId}/decision`)
      .send({ decision: 'false_positive', comment: 'sandbox tenant' })
      .expect(200);
    await eventually(async () => {
      const { body } = await http.get(`/v1/audit/log?limit=1000`).expect(200);
      const actions = (body.items as Array<{ subjectId: string; action: string }>)
        .filter((r) => r.subjectId === decidedCaseId)
        .map((r) => r.action);
      if (!actions.includes('case.outcome_recorded')) throw new Error(actions.join());
    });

    // The log: the case's story once, in order, each timeline entry once.
    const { body: log } = await http.get('/v1/audit/log?limit=1000').expect(200);
    const rows = log.items as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    const ofCase = rows.filter((r) => r.subjectId === decidedCaseId);
    const actions = ofCase.map((r) => r.action);
    expect(actions[0]).toBe('case.opened');
    expect(actions).toEqual(
      expect.arrayContaining([
        'case.escalated',
        'case.decided',
        'case.resolved',
        'case.outcome_recorded',
      ]),
    );
    expect(ofCase.find((r) => r.action === 'case.decided')).toMatchObject({
      actor: 'ana@example.com',
      subjectType: 'case',
      details: { detail: { decision: 'false_positive', comment: 'sandbox tenant' } },
    });
    const { body: view } = await http.get(`/v1/cases/${decidedCaseId}`).expect(200);
    const keyed = ofCase.filter((r) => String(r.idempotencyKey).startsWith('case:'));
    expect(keyed.map((r) => (r.details as { seq: number }).seq)).toEqual(
      (view.timeline as Array<{ seq: number }>).map((e) => e.seq),
    );
    expect(rows.filter((r) => r.action === 'identity.created').map((r) => r.subjectId)).toEqual([
      'agent-support-bot',
      'svc-batch',
    ]);

    // The export, as JSON.
    const { body: page } = await http.get(`/v1/audit/exceptions?${window}`).expect(200);
    expect(page.items.map((i: { caseId: string }) => i.caseId)).toEqual([
      decidedCaseId,
      openCaseId,
    ]);
    expect(page.nextCursor).toBeNull();
    const decided = page.items[0];
    expect(decided).toMatchObject({
      detector: 'policy_violation',
      identityId: 'agent-support-bot',
      identityKind: 'ai_agent',
      identityOwner: 'olga@example.com',
      severity: view.severity,
      score: 0.95,
      threshold: 0.5,
      evidenceSummary:
        'tool payments.refund is forbidden by internal policy; value: payments.refund',
      status: 'resolved',
      escalated: true,
      resolution: 'false_positive',
      disposition: 'false_positive',
      decision: 'false_positive',
      decidedBy: 'ana@example.com',
    });
    expect(Date.parse(decided.decidedAt)).toBeGreaterThanOrEqual(Date.parse(decided.openedAt));
    expect(decided.timeToResolveMs).toBe(
      Date.parse(decided.resolvedAt) - Date.parse(decided.openedAt),
    );
    expect(page.items[1]).toMatchObject({ status: 'awaiting_decision', resolution: null });

    // Paged.
    const first = await http.get(`/v1/audit/exceptions?${window}&limit=1`).expect(200);
    expect(first.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([decidedCaseId]);
    const next = await http
      .get(`/v1/audit/exceptions?${window}&limit=1&cursor=${first.body.nextCursor}`)
      .expect(200);
    expect(next.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([openCaseId]);

    // The export, as CSV.
    const csv = await http
      .get(`/v1/audit/exceptions?${window}&format=csv`)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const table = parseCsv(csv.body as string);
    const [header, ...lines] = table;
    expect(header).toContain('evidence_summary');
    expect(lines).toHaveLength(2);
    const cell = (line: string[], column: string) => line[header!.indexOf(column)];
    expect(cell(lines[0]!, 'decided_by')).toBe('ana@example.com');
    expect(cell(lines[0]!, 'resolution')).toBe('false_positive');
    expect(cell(lines[1]!, 'evidence_summary')).toBe(
      'refund, "bulk"\nsecond line; value: =HYPERLINK("http://x")',
    );
    expect(csv.body as string).toContain('"refund, ""bulk""\nsecond line; value: =HYPERLINK');

    // The report.
    const { body: report } = await eventually(async () => {
      const res = await http.get(`/v1/reports/control-effectiveness?${window}`).expect(200);
      if (res.body.falsePositives !== 1) throw new Error('verdict not recorded yet');
      return res;
    });
    expect(report).toMatchObject({
      eventsObserved: 3,
      exceptions: 2,
      resolved: 1,
      autoRemediated: 0,
      escalatedToHumans: 2,
      slaBreaches: 0,
      truePositives: 0,
      falsePositives: 1,
      precision: 0,
      byDetector: [{ detector: 'policy_violation', exceptions: 2, falsePositives: 1 }],
      byOwaspNhi: [{ category: 'NHI5', exceptions: 2 }],
      byNistCsf: [{ subcategory: 'DE.CM-09', exceptions: 2 }],
      byMaestroLayer: [{ layer: 'L7', exceptions: 2, detectors: ['policy_violation'] }],
    });
    expect(report.mttrMs).toBe(decided.timeToResolveMs);
    expect(report.mttaMs).toEqual(expect.any(Number));

    // Outside the window, nothing.
    const before = new Date(Date.parse(from) - 10 * HOUR).toISOString();
    const { body: empty } = await http
      .get(`/v1/reports/control-effectiveness?from=${before}&to=${from}`)
      .expect(200);
    expect(empty).toMatchObject({ eventsObserved: 0, exceptions: 0, precision: null });
  });

  it('documents its routes, their roles and both export formats in the OpenAPI document', async () => {
    const { body: spec } = await http.get('/openapi.json').expect(200);
    const exported = spec.paths['/v1/audit/exceptions'].get;
    expect(Object.keys(exported.responses['200'].content).sort()).toEqual([
      'application/json',
      'text/csv',
    ]);
    expect(exported.responses['400']).toBeDefined();
    for (const path of ['/v1/audit/verify', '/v1/audit/log', '/v1/reports/control-effectiveness']) {
      const operation = spec.paths[path].get;
      expect(operation.responses['200'].content['application/json'].schema.$ref).toMatch(
        /^#\/components\/schemas\//,
      );
      expect(operation.security).toEqual([{ bearer: [] }]);
      expect(operation.responses['403']).toBeDefined();
    }
  });

  it('refuses windows that are not one', async () => {
    const get = (query: string) => http.get(`/v1/audit/exceptions?${query}`).expect(400);
    expectError((await get(`from=yesterday&to=${to}`)).body, 'validation_failed', 'from');
    expectError((await get(`from=${to}&to=${from}`)).body, 'validation_failed', 'to');
    expectError(
      (await get('from=2025-01-01T00:00:00Z&to=2026-06-01T00:00:00Z')).body,
      'validation_failed',
      'to',
    );
    expectError((await get(`${window}&format=xml`)).body, 'validation_failed', 'format');
    expectError((await get(`${window}&cursor=bm9wZQ`)).body, 'validation_failed', 'cursor');
    const report = await http.get('/v1/reports/control-effectiveness?from=2026-01-01').expect(400);
    expectError(report.body, 'validation_failed', 'to');
  });

  it('keeps the chain intact with two API instances writing at once', async () => {
    const config = testConfig({
      address: system.env.address,
      taskQueue: `audit-${process.pid}`,
      database: system.db.settings,
    });
    const other = await startApi(config);
    try {
      const clients = [http, agent(other)];
      const responses = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          i % 3 === 0
            ? clients[i % 2]!.put('/v1/detectors/rate_spike/threshold').send({
                threshold: 0.5 + i / 100,
              })
            : clients[i % 2]!.put(`/v1/identities/svc-load-${i}`).send({
                kind: 'workload',
                owner: 'ops@example.com',
                criticality: 'low',
              }),
        ),
      );
      expect(responses.map((r) => r.status).filter((s) => s >= 300)).toEqual([]);
      const { body } = await http.get('/v1/audit/verify').expect(200);
      expect(body).toMatchObject({ ok: true });
      const { body: log } = await http.get('/v1/audit/log?limit=1000').expect(200);
      const rows = log.items as Array<{ seq: number; action: string }>;
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      expect(body.rows).toBe(rows.length);
      expect(rows.filter((r) => r.action === 'threshold.set')).toHaveLength(8);
      expect(rows.filter((r) => r.action === 'identity.created')).toHaveLength(2 + 16);
    } finally {
      await other.close();
    }
  });

  it('detects an edited row and a deleted row', async () => {
    const dataSource = system.db.dataSource;
    const table = dataSource.getMetadata(AuditLogEntity).tableName;
    const { body: intact } = await http.get('/v1/audit/verify').expect(200);
    expect(intact).toMatchObject({ ok: true, headSeq: intact.rows });
    expect(intact.headHash).toMatch(/^[0-9a-f]{64}$/);

    const [row] = await dataSource.query(
      `SELECT details${testingPostgres ? '::text AS details' : ''} FROM ${table} WHERE seq = 4`,
    );
    await dataSource.query(`UPDATE ${table} SET details = '{"actor":"mallory"}' WHERE seq = 4`);
    const { body: edited } = await http.get('/v1/audit/verify').expect(200);
    expect(edited).toMatchObject({
      ok: false,
      rows: 4,
      headHash: intact.headHash,
      firstBrokenLink: { seq: 4, reason: 'hash_mismatch' },
    });
    expect(edited.firstBrokenLink.expectedHash).not.toBe(edited.firstBrokenLink.actualHash);

    await dataSource.query(
      `UPDATE ${table} SET details = ${testingPostgres ? '$1::jsonb' : '?'} WHERE seq = 4`,
      [row.details],
    );
    expect((await http.get('/v1/audit/verify').expect(200)).body.ok).toBe(true);

    await dataSource.query(`DELETE FROM ${table} WHERE seq = 6`);
    const { body: deleted } = await http.get('/v1/audit/verify').expect(200);
    expect(deleted).toMatchObject({
      ok: false,
      firstBrokenLink: { seq: 6, reason: 'missing_row', actualHash: expect.any(String) },
    });
  });
});
