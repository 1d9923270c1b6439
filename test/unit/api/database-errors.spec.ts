import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from '../../../apps/api/src/common/database-errors';
import { describeError } from '../../../apps/api/src/common/error.filter';

function coded(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

const failedQuery = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('database errors', () => {
  it.each([
    ['a refused connection', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset connection', coded('ECONNRESET')],
    ['every address refused', new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')])],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['PostgreSQL shutting down', failedQuery(coded('57P01'))],
    ['a PostgreSQL connection failure', failedQuery(coded('08006'))],
    ['the statement timeout', failedQuery(coded('57014'))],
    ['a SQLite file locked by another connection', failedQuery(coded('SQLITE_BUSY'))],
    ['a SQLite disk I/O error', failedQuery(coded('SQLITE_IOERR_WRITE'))],
    ['a cause', new Error('outbox write failed', { cause: coded('ECONNREFUSED') })],
  ])('counts %s as unavailable: a 503 database_unavailable', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(describeError(error)).toEqual({
      status: 503,
      body: { code: 'database_unavailable', message: expect.any(String) },
    });
  });

  it.each([
    ['a unique violation', failedQuery(coded('23505'))],
    ['a SQLite constraint', failedQuery(coded('SQLITE_CONSTRAINT_PRIMARYKEY'))],
    ['bad SQL', failedQuery(coded('42601'))],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a mixed AggregateError', new AggregateError([coded('ECONNREFUSED'), new Error('bug')])],
    ['not an error', 'ECONNREFUSED'],
  ])('leaves %s a 500', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(describeError(error).status).toBe(500);
  });
});
