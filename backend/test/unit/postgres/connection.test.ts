import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { PostgresPool } from '../../../src/postgres/connection.js';
import { PostgresUnreachableError } from '../../../src/postgres/errors.js';

async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address !== 'string');
  return address.port;
}

describe('PostgresPool without a usable server', () => {
  it('gives up on a server that accepts TCP but never answers, within the connect timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    const port = await listenOnLoopback(silent);
    after(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });
    const db = new PostgresPool({ connectionString: `postgresql://agent@127.0.0.1:${port}/postgres`, connectTimeoutMs: 300 });
    const started = Date.now();
    await assert.rejects(db.query('SELECT 1'), PostgresUnreachableError);
    assert.ok(Date.now() - started < 3_000, 'the connect timeout bounds the wait');
    await db.close();
  });

  it('reports a refused connection as unreachable, naming the cause', async () => {
    const closed = createServer();
    const port = await listenOnLoopback(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const db = new PostgresPool({ connectionString: `postgresql://agent@127.0.0.1:${port}/postgres` });
    await assert.rejects(db.query('SELECT 1'), (error) => {
      assert.ok(error instanceof PostgresUnreachableError);
      assert.equal(error.code, 'postgres_unreachable');
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    });
    await db.close();
  });
});
