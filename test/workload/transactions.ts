/**
 * The workload's transactions: pgbench's TPC-B-like OLTP transaction, and six reporting queries,
 * each picked to lean on different reload-only knobs. Every parameter comes from the client's
 * seeded PRNG, so a (seed, client) pair always issues the same sequence of transactions.
 *
 * Parameters are sent as bind values of unnamed statements, so every execution is planned with its
 * own values (custom plans), as most drivers and ORMs do.
 */
import type { Prng } from './prng.js';
import { ORDER_DAYS, ORDER_STATUSES, ORDERS_FROM, REGIONS, ROWS_PER_SCALE, SIGNUP_DAYS, SIGNUPS_FROM } from './schema.js';

export type Kind = 'oltp' | 'reporting';
export const KINDS: readonly Kind[] = ['oltp', 'reporting'];

export const REPORTING_QUERIES = [
  'account_leaderboard',
  'customer_revenue',
  'segment_orders',
  'recent_orders',
  'monthly_dashboard',
  'balance_histogram',
] as const;
export type ReportingQueryName = (typeof REPORTING_QUERIES)[number];
export const OLTP_TRANSACTION = 'tpcb';

export interface Statement {
  text: string;
  values?: unknown[];
}

export interface Transaction {
  kind: Kind;
  /** `tpcb` or a reporting query's name. */
  name: string;
  /** Wrapped in BEGIN … COMMIT when there is more than one. */
  statements: Statement[];
}

export interface ReportingQuery {
  name: ReportingQueryName;
  /** What the query does and which knobs move its runtime (documentation; printed by the CLI). */
  description: string;
  knobs: readonly string[];
  sql: string;
  params(prng: Prng, scale: number): unknown[];
}

/** A date `days` after `from`, as YYYY-MM-DD. */
function dateAfter(from: string, days: number): string {
  const date = new Date(`${from}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** A window of `days` days, placed uniformly within `span` days from `from`: [start, days]. */
function window(prng: Prng, from: string, span: number, days: number): [string, number] {
  return [dateAfter(from, prng.intBetween(0, span - days)), days];
}

export const REPORTING: Readonly<Record<ReportingQueryName, ReportingQuery>> = {
  account_leaderboard: {
    name: 'account_leaderboard',
    description:
      'Top 5 accounts per branch over 10% of the accounts: a window function over an incremental sort of ~100k wide rows per branch — an external merge sort (~12 MB of temp files at scale 10) at the 4 MB default, a quicksort in memory from ~32 MB. work_mem changes the sort method; with temp files in the page cache the in-memory sort measured no faster.',
    knobs: ['work_mem'],
    sql: `SELECT bid, aid, abalance, filler, rnk
  FROM (SELECT a.bid, a.aid, a.abalance, a.filler,
               rank() OVER (PARTITION BY a.bid ORDER BY a.abalance DESC, a.aid) AS rnk
          FROM pgbench_accounts a
         WHERE a.aid BETWEEN $1 AND $2) ranked
 WHERE rnk <= 5
 ORDER BY bid, rnk`,
    params(prng, scale) {
      const accounts = ROWS_PER_SCALE.accounts * scale;
      const span = Math.round(accounts * 0.1);
      const first = prng.intBetween(1, accounts - span + 1);
      return [first, first + span - 1];
    },
  },
  customer_revenue: {
    name: 'customer_revenue',
    description:
      'Best 100 customers by revenue over a 1–3 month window: an index range scan of orders joined to customers and grouped per customer (~25–80k groups at scale 10). At 4 MB a sort and merge join (spilling a few MB); from ~32 MB an in-memory hash join and hash aggregate, which measured slower — work_mem can hurt here.',
    knobs: ['work_mem', 'hash_mem_multiplier', 'random_page_cost'],
    sql: `SELECT c.id, c.name, c.segment, count(*) AS orders, sum(o.amount) AS revenue,
       avg(o.quantity) AS avg_quantity, max(o.order_date) AS last_order
  FROM wl_orders o
  JOIN wl_customers c ON c.id = o.customer_id
 WHERE o.order_date >= $1::date AND o.order_date < $1::date + $2::int AND o.status <> $3
 GROUP BY c.id, c.name, c.segment
HAVING sum(o.amount) > $4
 ORDER BY revenue DESC
 LIMIT 100`,
    params(prng) {
      return [...window(prng, ORDERS_FROM, ORDER_DAYS, prng.intBetween(30, 90)), prng.intBetween(0, ORDER_STATUSES - 1), prng.intBetween(200, 800)];
    },
  },
  segment_orders: {
    name: 'segment_orders',
    description:
      "Revenue by segment and channel of one region's customers who signed up in a 12–24 month window (~1–2% of customers): at random_page_cost 4 a hash join over a parallel full scan of orders, at 1.1 a nested loop of index probes into orders (customer_id is not correlated with the heap), about 3× faster.",
    knobs: ['random_page_cost', 'seq_page_cost', 'max_parallel_workers_per_gather', 'parallel_setup_cost', 'parallel_tuple_cost'],
    sql: `SELECT c.segment, o.channel, count(*) AS orders, count(DISTINCT c.id) AS customers,
       sum(o.amount) AS revenue, avg(o.amount) AS avg_amount
  FROM wl_customers c
  JOIN wl_orders o ON o.customer_id = c.id
 WHERE c.region = $1 AND c.signup_date >= $2::date AND c.signup_date < $2::date + $3::int
   AND o.status IN ($4, $5)
 GROUP BY c.segment, o.channel
 ORDER BY revenue DESC`,
    params(prng) {
      const status = prng.intBetween(0, ORDER_STATUSES - 2);
      return [prng.intBetween(1, REGIONS), ...window(prng, SIGNUPS_FROM, SIGNUP_DAYS, prng.intBetween(365, 730)), status, status + 1];
    },
  },
  recent_orders: {
    name: 'recent_orders',
    description:
      "The last 3 orders of every customer in 2–4 regions, summarised by segment: thousands of LATERAL index probes. At random_page_cost 4 the plan's estimated cost (~0.5–1M at scale 10) passes jit_above_cost and, for 3–4 regions, jit_inline_above_cost and jit_optimize_above_cost: LLVM inlining and optimisation add ~100–350 ms to a ~100–200 ms query. At random_page_cost 1.1 the cost drops below 500k and only cheap JIT remains.",
    knobs: ['jit', 'jit_above_cost', 'jit_inline_above_cost', 'jit_optimize_above_cost', 'random_page_cost'],
    sql: `SELECT c.segment, count(*) AS orders, sum(r.amount) AS revenue,
       sum(CASE WHEN r.amount > 400 THEN 1 ELSE 0 END) AS large_orders,
       sum(CASE WHEN r.channel = 'web' THEN r.amount ELSE 0 END) AS web_revenue,
       avg(r.order_date - c.signup_date) AS avg_days_since_signup,
       max(r.order_date) AS last_order,
       sum(round(r.amount * r.quantity * 1.2, 2)) AS gross_with_tax
  FROM wl_customers c
 CROSS JOIN LATERAL (SELECT o.order_date, o.amount, o.channel, o.quantity
                       FROM wl_orders o
                      WHERE o.customer_id = c.id AND o.status <> $3
                      ORDER BY o.order_date DESC
                      LIMIT 3) r
 WHERE c.region BETWEEN $1 AND $2
 GROUP BY c.segment
 ORDER BY revenue DESC`,
    params(prng) {
      const regions = prng.intBetween(2, 4);
      const first = prng.intBetween(1, REGIONS - regions + 1);
      return [first, first + regions - 1, prng.intBetween(0, ORDER_STATUSES - 1)];
    },
  },
  monthly_dashboard: {
    name: 'monthly_dashboard',
    description:
      'Revenue dashboard by region and month over a 1–3 month window: a hash join of orders and customers, a sort for the grouping (external at 4 MB) and many aggregate expressions. Mildly sensitive to work_mem; its cost (~15k) stays under jit_above_cost unless a tuner lowers that.',
    knobs: ['work_mem', 'jit_above_cost', 'max_parallel_workers_per_gather'],
    sql: `SELECT c.region, date_trunc('month', o.order_date) AS month, count(*) AS orders,
       sum(o.amount) AS revenue, sum(o.amount * o.quantity) AS gross, avg(o.amount) AS avg_amount,
       sum(CASE WHEN o.status = 0 THEN o.amount ELSE 0 END) AS open_amount,
       sum(CASE WHEN o.status = 3 THEN 1 ELSE 0 END) AS returned,
       sum(CASE WHEN o.channel = 'web' THEN o.amount ELSE 0 END) AS web_revenue,
       sum(CASE WHEN c.segment = 'enterprise' THEN o.amount ELSE 0 END) AS enterprise_revenue,
       count(DISTINCT o.customer_id) AS buyers
  FROM wl_orders o
  JOIN wl_customers c ON c.id = o.customer_id
 WHERE o.order_date >= $1::date AND o.order_date < $1::date + $2::int
 GROUP BY 1, 2
 ORDER BY 1, 2`,
    params(prng) {
      return window(prng, ORDERS_FROM, ORDER_DAYS, prng.intBetween(30, 90));
    },
  },
  balance_histogram: {
    name: 'balance_histogram',
    description:
      'Balance histogram per branch over the upper 25–50% of the accounts the OLTP part keeps updating. The group count is misestimated (~100k for ~20 per branch), so at the defaults the plan is a parallel index scan with sorted partial aggregation (external merge sorts at 4 MB); at random_page_cost 1.1 or without parallelism a plain index range scan with an in-memory hash aggregate, ~1.5× faster. Its cost (~70–125k) straddles jit_above_cost.',
    knobs: ['max_parallel_workers_per_gather', 'parallel_setup_cost', 'min_parallel_table_scan_size', 'random_page_cost', 'work_mem', 'jit_above_cost'],
    sql: `SELECT bid, width_bucket(abalance, -100000, 100000, 20) AS bucket, count(*) AS accounts,
       sum(abalance) AS total, avg(abalance) AS mean, min(abalance) AS lowest, max(abalance) AS highest
  FROM pgbench_accounts
 WHERE aid >= $1
 GROUP BY 1, 2
 ORDER BY 1, 2`,
    params(prng, scale) {
      const accounts = ROWS_PER_SCALE.accounts * scale;
      return [prng.intBetween(accounts / 2, (accounts * 3) / 4)];
    },
  },
};

/** pgbench's built-in TPC-B-like transaction (`pgbench -b tpcb-like`), statement for statement. */
export function tpcb(prng: Prng, scale: number): Transaction {
  const aid = prng.intBetween(1, ROWS_PER_SCALE.accounts * scale);
  const bid = prng.intBetween(1, ROWS_PER_SCALE.branches * scale);
  const tid = prng.intBetween(1, ROWS_PER_SCALE.tellers * scale);
  const delta = prng.intBetween(-5000, 5000);
  return {
    kind: 'oltp',
    name: OLTP_TRANSACTION,
    statements: [
      { text: 'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2', values: [delta, aid] },
      { text: 'SELECT abalance FROM pgbench_accounts WHERE aid = $1', values: [aid] },
      { text: 'UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2', values: [delta, tid] },
      { text: 'UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2', values: [delta, bid] },
      {
        text: 'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)',
        values: [tid, bid, aid, delta],
      },
    ],
  };
}

export function reporting(name: ReportingQueryName, prng: Prng, scale: number): Transaction {
  const query = REPORTING[name];
  return { kind: 'reporting', name, statements: [{ text: query.sql, values: query.params(prng, scale) }] };
}

export interface Mix {
  oltp: number;
  reporting: number;
}

export type ReportingMix = Readonly<Partial<Record<ReportingQueryName, number>>>;

export const DEFAULT_MIX: Mix = { oltp: 8, reporting: 2 };

/** Validated weight lists, ready for `nextTransaction`. */
export interface Chooser {
  kinds: readonly (readonly [Kind, number])[];
  reporting: readonly (readonly [ReportingQueryName, number])[];
}

export function chooser(mix: Mix, reportingMix: ReportingMix = {}): Chooser {
  const checkWeight = (what: string, w: number) => {
    if (!Number.isFinite(w) || w < 0) throw new RangeError(`weight of ${what} must be a finite number >= 0, got ${String(w)}`);
  };
  for (const kind of KINDS) checkWeight(kind, mix[kind]);
  if (!(mix.oltp + mix.reporting > 0)) throw new RangeError('the mix needs a positive weight for oltp or reporting');
  for (const [name, w] of Object.entries(reportingMix)) {
    if (!(REPORTING_QUERIES as readonly string[]).includes(name)) {
      throw new RangeError(`unknown reporting query "${name}" (known: ${REPORTING_QUERIES.join(', ')})`);
    }
    checkWeight(name, w);
  }
  const explicit = Object.keys(reportingMix).length > 0;
  const reporting = REPORTING_QUERIES.map((name) => [name, explicit ? (reportingMix[name] ?? 0) : 1] as const);
  if (mix.reporting > 0 && !(reporting.reduce((sum, [, w]) => sum + w, 0) > 0)) {
    throw new RangeError('the reporting mix needs a positive weight for at least one query');
  }
  return { kinds: KINDS.map((kind) => [kind, mix[kind]] as const), reporting };
}

/** The next transaction of a client: the kind by the mix, then the query, then its parameters. */
export function nextTransaction(prng: Prng, scale: number, choose: Chooser): Transaction {
  const kind = prng.weighted(choose.kinds);
  return kind === 'oltp' ? tpcb(prng, scale) : reporting(prng.weighted(choose.reporting), prng, scale);
}
