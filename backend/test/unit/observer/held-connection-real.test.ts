/**
 * openHeldConnection against a real, throwaway PostgreSQL: the server closing the idle connection
 * (its backend terminated, the server shutting down) settles `dropped` at once, with the server's reason.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { openHeldConnection } from '../../../src/observer/leader-connection.js';
import { PostgresError } from '../../../src/postgres/errors.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../../../test/support/throwaway-postgres.js';

/** Generous: a drop is expected within milliseconds; this only bounds a failing test. */
const DROP_DEADLINE_MS = 5_000;

function within<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${DROP_DEADLINE_MS} ms: ${what}`)), DROP_DEADLINE_MS);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

describe('openHeldConnection against a real PostgreSQL', () => {
  let server: ThrowawayPostgres;

  before(async () => {
    server = await startThrowawayPostgres();
  });
  after(async () => {
    await server?.destroy();
  });

  async function heldBackends(admin: pg.Client): Promise<number[]> {
    const { rows } = await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'patroni-tuner' AND backend_type = 'client backend'",
    );
    return rows.map((row) => row.pid);
  }

  it('is an idle connection named patroni-tuner; its backend terminated → dropped with 57P01; end() closes it quietly', async () => {
    const held = await openHeldConnection(server.connectionString);
    const admin = new pg.Client({ connectionString: server.connectionString });
    await admin.connect();
    try {
      const [pid] = await heldBackends(admin);
      assert.ok(pid, 'the held connection shows in pg_stat_activity');
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const reason = await within(held.dropped, 'the terminated connection to be reported');
      assert.ok(reason instanceof PostgresError);
      assert.equal(reason.sqlState, '57P01', reason.message);
      await held.end().catch(() => undefined);

      const second = await openHeldConnection(server.connectionString);
      await second.end();
      const deadline = Date.now() + DROP_DEADLINE_MS;
      while ((await heldBackends(admin)).length > 0) {
        assert.ok(Date.now() < deadline, 'end() closes the connection: its backend leaves pg_stat_activity');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await admin.end();
    }
  });

  it('the server shutting down (fast shutdown, as Patroni does for a switchover) → dropped at once', async () => {
    const held = await openHeldConnection(server.connectionString);
    await server.stop();
    const reason = await within(held.dropped, 'the shutdown to be reported');
    assert.ok(reason instanceof PostgresError);
    assert.match(reason.message, /57P01|terminat|closed/);
  });

  it('a server that is not there: the connect rejects with a typed error (not a drop)', async () => {
    await assert.rejects(openHeldConnection(server.connectionString), PostgresError);
  });
});
