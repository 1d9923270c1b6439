import type { INestApplication } from '@nestjs/common';
import type { Role } from '@vigil/contracts';
import request from 'supertest';

/** The admin key every test API starts with (its key store is empty, so it is the bootstrap). */
export const TEST_ADMIN_KEY = 'vgl_testadmin01_0123456789abcdefghijklmnopqrstuv';

/** A supertest agent that sends `Authorization: Bearer <key>` on every request. */
export function apiClient(app: INestApplication, key: string = TEST_ADMIN_KEY) {
  return request.agent(app.getHttpServer()).set('Authorization', `Bearer ${key}`);
}

export type Http = ReturnType<typeof apiClient>;

/** Creates a key over the API (as admin) and answers a client that uses it. */
export async function clientFor(
  app: INestApplication,
  name: string,
  role: Role,
): Promise<Http & { readonly keyId: string; readonly key: string }> {
  const created = await apiClient(app).post('/v1/keys').send({ name, role }).expect(201);
  const { id, key } = created.body as { id: string; key: string };
  return Object.assign(apiClient(app, key), { keyId: id, key });
}
