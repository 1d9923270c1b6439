import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

/** The admin key every test API starts with (its key store is empty, so it is the bootstrap). */
export const TEST_ADMIN_KEY = 'vgl_testadmin01_0123456789abcdefghijklmnopqrstuv';

/** A supertest agent that sends `Authorization: Bearer <key>` on every request. */
export function http(app: INestApplication, key: string = TEST_ADMIN_KEY) {
  return request.agent(app.getHttpServer()).set('Authorization', `Bearer ${key}`);
}

export type Http = ReturnType<typeof http>;
