/**
 * The reference workload's tables and how they are generated, in SQL run by the server (the way
 * `pgbench -i -I dtGvp` generates its data server-side), so loading needs nothing but a connection.
 *
 * - pgbench's four TPC-B tables, with pgbench's exact DDL (so `pgbench -b tpcb-like -n` also runs on
 *   them): 100 000 × scale accounts, 10 × scale tellers, scale branches, an empty history. Unlike
 *   pgbench, account balances start spread over ±50 000 so that the balance reports have something to
 *   rank.
 * - Two reporting tables: wl_customers (10 000 × scale) and wl_orders (100 000 × scale). Orders are
 *   in date order on disk (an append-mostly table), so order_date is correlated with the heap while
 *   customer_id is not: the planner's choice between index probes and sequential scans of orders
 *   then depends on random_page_cost / seq_page_cost and the parallel settings.
 *
 * Every random value comes from `setseed()` + `random()` in a single-process INSERT … SELECT (INSERT
 * never runs in parallel), so the same seed and scale give the same rows on every server.
 */

/** Bumped whenever the tables or their contents change, so `prepareWorkload` reloads old data. */
export const SCHEMA_VERSION = 1;

export const DEFAULT_WORKLOAD_DATABASE = 'tuner_workload';

/** Rows per unit of scale, as in pgbench (accounts, tellers, branches) plus the reporting tables. */
export const ROWS_PER_SCALE = {
  accounts: 100_000,
  tellers: 10,
  branches: 1,
  customers: 10_000,
  orders: 100_000,
} as const;

/** The first order date; orders span ORDER_DAYS days from it. */
export const ORDERS_FROM = '2022-01-01';
export const ORDER_DAYS = 730;
/** Customers signed up within SIGNUP_DAYS days from this date. */
export const SIGNUPS_FROM = '2020-01-01';
export const SIGNUP_DAYS = 1461;
export const REGIONS = 20;
export const SEGMENTS = ['consumer', 'corporate', 'home_office', 'small_business', 'enterprise'] as const;
export const CHANNELS = ['web', 'store', 'phone', 'partner'] as const;
export const ORDER_STATUSES = 5;

export const WORKLOAD_TABLES = [
  'pgbench_accounts',
  'pgbench_branches',
  'pgbench_tellers',
  'pgbench_history',
  'wl_customers',
  'wl_orders',
] as const;

/** Key/value table recording what was loaded; written last, so its presence means the load finished. */
export const META_TABLE = 'wl_meta';

export interface LoadStep {
  /** Shown as progress. */
  name: string;
  sql: string;
  /** VACUUM and the like cannot run inside a transaction block. */
  outsideTransaction?: boolean;
}

/** setseed() takes a double in [-1, 1]; each table gets its own, so tables do not depend on load order. */
function seedSql(seed: number, table: string): string {
  let h = 2166136261;
  for (const ch of `${seed}:${table}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return `SELECT setseed(${((h / 4294967296) * 2 - 1).toFixed(12)})`;
}

const sqlTextArray = (values: readonly string[]) => `ARRAY[${values.map((v) => `'${v}'`).join(', ')}]`;

export function loadSteps(scale: number, seed: number): LoadStep[] {
  const accounts = ROWS_PER_SCALE.accounts * scale;
  const tellers = ROWS_PER_SCALE.tellers * scale;
  const branches = ROWS_PER_SCALE.branches * scale;
  const customers = ROWS_PER_SCALE.customers * scale;
  const orders = ROWS_PER_SCALE.orders * scale;
  return [
    {
      name: 'drop old tables',
      sql: `DROP TABLE IF EXISTS ${[META_TABLE, ...WORKLOAD_TABLES].join(', ')}`,
    },
    {
      name: 'create tables',
      sql: `
CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
CREATE TABLE pgbench_tellers (tid int NOT NULL, bid int, tbalance int, filler char(84)) WITH (fillfactor = 100);
CREATE TABLE pgbench_accounts (aid int NOT NULL, bid int, abalance int, filler char(84)) WITH (fillfactor = 100);
CREATE TABLE pgbench_branches (bid int NOT NULL, bbalance int, filler char(88)) WITH (fillfactor = 100);
CREATE TABLE wl_customers (
  id int NOT NULL, region int NOT NULL, segment text NOT NULL, signup_date date NOT NULL, name text NOT NULL);
CREATE TABLE wl_orders (
  id bigint NOT NULL, customer_id int NOT NULL, order_date date NOT NULL, status smallint NOT NULL,
  channel text NOT NULL, amount numeric(12,2) NOT NULL, quantity int NOT NULL, note text NOT NULL);`,
    },
    {
      name: `pgbench_branches, pgbench_tellers (${branches} + ${tellers} rows)`,
      sql: `
INSERT INTO pgbench_branches (bid, bbalance) SELECT bid, 0 FROM generate_series(1, ${branches}) AS bid;
INSERT INTO pgbench_tellers (tid, bid, tbalance) SELECT tid, (tid - 1) / 10 + 1, 0 FROM generate_series(1, ${tellers}) AS tid;`,
    },
    {
      name: `pgbench_accounts (${accounts} rows)`,
      sql: `${seedSql(seed, 'pgbench_accounts')};
INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
SELECT aid, (aid - 1) / ${ROWS_PER_SCALE.accounts} + 1, floor(random() * 100001)::int - 50000, ''
  FROM generate_series(1, ${accounts}) AS aid;`,
    },
    {
      name: `wl_customers (${customers} rows)`,
      sql: `${seedSql(seed, 'wl_customers')};
INSERT INTO wl_customers (id, region, segment, signup_date, name)
SELECT i, 1 + floor(random() * ${REGIONS})::int,
       (${sqlTextArray(SEGMENTS)})[1 + floor(random() * ${SEGMENTS.length})::int],
       date '${SIGNUPS_FROM}' + floor(random() * ${SIGNUP_DAYS})::int,
       'customer ' || i
  FROM generate_series(1, ${customers}) AS i;`,
    },
    {
      name: `wl_orders (${orders} rows)`,
      sql: `${seedSql(seed, 'wl_orders')};
INSERT INTO wl_orders (id, customer_id, order_date, status, channel, amount, quantity, note)
SELECT i, 1 + floor(random() * ${customers})::int,
       date '${ORDERS_FROM}' + ((i - 1) * ${ORDER_DAYS} / ${orders})::int,
       floor(random() * ${ORDER_STATUSES})::int,
       (${sqlTextArray(CHANNELS)})[1 + floor(random() * ${CHANNELS.length})::int],
       round((random() * 500)::numeric, 2),
       1 + floor(random() * 10)::int,
       repeat('x', 20 + floor(random() * 40)::int)
  FROM generate_series(1, ${orders}::bigint) AS i;`,
    },
    {
      name: 'primary keys and indexes',
      sql: `
ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid);
ALTER TABLE pgbench_tellers ADD PRIMARY KEY (tid);
ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid);
ALTER TABLE wl_customers ADD PRIMARY KEY (id);
ALTER TABLE wl_orders ADD PRIMARY KEY (id);
CREATE INDEX wl_orders_customer_id_idx ON wl_orders (customer_id);
CREATE INDEX wl_orders_order_date_idx ON wl_orders (order_date);`,
    },
    {
      name: 'vacuum analyze',
      sql: `VACUUM (ANALYZE) ${WORKLOAD_TABLES.join(', ')}`,
      outsideTransaction: true,
    },
  ];
}
