import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Queryable } from '../../../src/postgres/connection.js';
import { PostgresQueryError } from '../../../src/postgres/errors.js';
import { ensureStateDatabase, InvalidDatabaseNameError, validateDatabaseName } from '../../../src/store/database.js';

/** Answers from a script and records every statement. */
function scripted(answers: Array<(sql: string) => object[]>): Queryable & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    async query<Row extends object>(sql: string): Promise<Row[]> {
      sent.push(sql);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected statement: ${sql}`);
      return answer(sql) as Row[];
    },
  };
}

const duplicate = (sqlState: string) => () => {
  throw new PostgresQueryError(`PostgreSQL error ${sqlState}: already exists`, { sqlState });
};

describe('ensureStateDatabase', () => {
  it('refuses names that are not simple lowercase identifiers, before sending anything', async () => {
    const bad = ['', 'Patroni', 'patroni-tuner', '1tuner', 'tuner db', 'tuner"; DROP DATABASE postgres; --', 'é', 'a'.repeat(64)];
    for (const name of bad) {
      const db = scripted([]);
      await assert.rejects(ensureStateDatabase(db, name), (error) => {
        assert.ok(error instanceof InvalidDatabaseNameError, `${name}: ${String(error)}`);
        assert.equal(error.code, 'PGT_STORE_INVALID_DATABASE_NAME');
        assert.equal(error.databaseName, name);
        return true;
      });
      assert.deepEqual(db.sent, []);
    }
    for (const name of ['patroni_tuner', '_x', 'a'.repeat(63), 'tuner2']) assert.equal(validateDatabaseName(name), name);
  });

  it('creates the default database when missing, and only then', async () => {
    const missing = scripted([() => [], () => []]);
    assert.deepEqual(await ensureStateDatabase(missing), { created: true });
    assert.deepEqual(missing.sent, ['SELECT 1 AS found FROM pg_database WHERE datname = $1', 'CREATE DATABASE "patroni_tuner"']);

    const present = scripted([() => [{ found: 1 }]]);
    assert.deepEqual(await ensureStateDatabase(present), { created: false });
    assert.equal(present.sent.length, 1);
  });

  it('takes another agent creating it at the same moment as success', async () => {
    assert.deepEqual(await ensureStateDatabase(scripted([() => [], duplicate('42P04')]), 'st'), { created: false });
    assert.deepEqual(await ensureStateDatabase(scripted([() => [], duplicate('23505'), () => [{ found: 1 }]]), 'st'), {
      created: false,
    });
  });

  it('passes on any other failure', async () => {
    await assert.rejects(ensureStateDatabase(scripted([() => [], duplicate('25006')]), 'st'), /25006/);
    // A unique violation without the database existing afterwards is not the race.
    await assert.rejects(ensureStateDatabase(scripted([() => [], duplicate('23505'), () => []]), 'st'), /23505/);
  });
});
