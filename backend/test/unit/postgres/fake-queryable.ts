/**
 * A Queryable that answers from a routing table (SQL pattern → rows or error) and records what was
 * asked, for pure tests of the readers' parsing and query choices.
 */
import type { Queryable } from '../../../src/postgres/connection.js';

export type FakeAnswer = readonly object[] | Error;

export class FakeQueryable implements Queryable {
  readonly statements: { sql: string; params: readonly unknown[] }[] = [];
  readonly #routes: readonly (readonly [RegExp, FakeAnswer])[];

  constructor(routes: readonly (readonly [RegExp, FakeAnswer])[]) {
    this.#routes = routes;
  }

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    this.statements.push({ sql, params });
    const route = this.#routes.find(([pattern]) => pattern.test(sql));
    if (route === undefined) throw new Error(`FakeQueryable: no answer for SQL:\n${sql}`);
    const answer = route[1];
    if (answer instanceof Error) throw answer;
    return answer as Row[];
  }
}
