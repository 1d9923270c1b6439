import type { INestApplication } from '@nestjs/common';
import { ReportOutbox } from '@vigil/persistence';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startApi, testConfig } from '../support/system';
import { apiClient } from '../support/http';

/** The API while Temporal cannot be reached: it stays up, says so, and loses nothing. */
describe('API with Temporal unreachable', () => {
  let db: TestDatabase;
  let api: INestApplication;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Port 9 (discard) on loopback: nothing listens, connections are refused at once.
    api = await startApi(
      testConfig({ address: '127.0.0.1:9', taskQueue: 'nowhere', database: db.settings }),
    );
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('is live but not ready, naming Temporal as the dependency that is down', async () => {
    await apiClient(api).get('/health/live').expect(200);
    const res = await apiClient(api).get('/health/ready').expect(503);
    expect(res.body).toMatchObject({
      status: 'unavailable',
      checks: {
        database: { status: 'up' },
        temporal: { status: 'down', error: expect.any(String) },
      },
    });
  });

  it('answers a report with 503 temporal_unavailable, which the client may retry', async () => {
    const res = await apiClient(api)
      .post('/v1/exceptions')
      .send({ identityId: 'svc-payments', kind: 'novel_scope', severity: 'high' })
      .expect(503);
    expect(res.body).toMatchObject({ code: 'temporal_unavailable', requestId: expect.any(String) });
  });

  it('ingests events and keeps the exceptions they raise until Temporal is back', async () => {
    const res = await apiClient(api)
      .post('/v1/events')
      .send([
        {
          id: 'evt-down-1',
          time: '2026-11-01T10:00:00Z',
          identityId: 'svc-unknown',
          type: 'api.called',
        },
      ])
      .expect(200);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 0, rejected: [] });
    expect(res.body.exceptions).toEqual([
      expect.objectContaining({ kind: 'unclassified_identity', caseId: null, pending: true }),
    ]);
    expect(await api.get(ReportOutbox).count()).toBe(1);
  });
});
