import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import {
  PostgresQueryError,
  PostgresUnexpectedResultError,
  PostgresUnreachableError,
  toPostgresError,
} from '../../../src/postgres/errors.js';

function databaseError(sqlState: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, 0, 'error');
  error.code = sqlState;
  return error;
}

describe('toPostgresError', () => {
  it('maps a failed statement to a query error carrying the SQLSTATE', () => {
    const cause = databaseError('42P01', 'relation "pg_stat_statements" does not exist');
    const error = toPostgresError(cause);
    assert.ok(error instanceof PostgresQueryError);
    assert.equal(error.code, 'postgres_query_failed');
    assert.equal(error.sqlState, '42P01');
    assert.equal(error.cause, cause);
    assert.match(error.message, /42P01.*does not exist/);
  });

  it('treats statement_timeout as a failed query, not an unreachable server', () => {
    const error = toPostgresError(databaseError('57014', 'canceling statement due to statement timeout'));
    assert.ok(error instanceof PostgresQueryError);
  });

  for (const [sqlState, what] of [
    ['57P01', 'admin shutdown'],
    ['57P03', 'the database system is starting up'],
    ['53300', 'too many connections'],
    ['08006', 'connection failure'],
    ['28P01', 'password authentication failed'],
    ['3D000', 'database does not exist'],
  ] as const) {
    it(`maps SQLSTATE ${sqlState} (${what}) to unreachable`, () => {
      const error = toPostgresError(databaseError(sqlState, what));
      assert.ok(error instanceof PostgresUnreachableError);
      assert.equal(error.code, 'postgres_unreachable');
      assert.equal(error.sqlState, sqlState);
    });
  }

  it('maps client-side failures without a SQLSTATE to unreachable, keeping the system code', () => {
    const refused = Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' });
    const error = toPostgresError(refused);
    assert.ok(error instanceof PostgresUnreachableError);
    assert.equal(error.sqlState, null);
    assert.match(error.message, /ECONNREFUSED/);

    assert.ok(toPostgresError(new Error('Connection terminated due to connection timeout')) instanceof PostgresUnreachableError);
    assert.ok(toPostgresError(new Error('Query read timeout')) instanceof PostgresUnreachableError);
  });

  it('passes a PostgresError through unchanged', () => {
    const original = new PostgresUnexpectedResultError('odd row');
    assert.equal(toPostgresError(original), original);
    assert.equal(original.code, 'postgres_unexpected_result');
  });
});
