/**
 * Closed-loop scrape load: C clients, each on its own keep-alive connection, GET /metrics
 * back-to-back for a fixed number of requests, stopped early by a hard deadline or an abort.
 */
import { createHash } from 'node:crypto';
import { Client } from 'undici';

export interface ScrapeLoadOptions {
  baseUrl: string;
  clients: number;
  requestsPerClient: number;
  /** Hard cap on the phase, in ms from its start. */
  maxMs: number;
  signal: AbortSignal;
  /** Called about every `progressEveryMs` with scrapes done so far. */
  onProgress?: (done: number, total: number, elapsedMs: number) => void;
  progressEveryMs?: number;
}

export interface ScrapeLoadResult {
  /** Latency of every successful scrape, request sent → body fully read, in ms. */
  latenciesMs: number[];
  errorCount: number;
  /** The first few error messages, for the report. */
  errorSamples: string[];
  /** Different response bodies seen: one per snapshot the agent rendered (concurrent scrapes share one). */
  distinctBodies: number;
  bodyBytes: number;
  wallSeconds: number;
  /** True when the deadline stopped a client before its request count. */
  capped: boolean;
}

export async function runScrapeLoad(options: ScrapeLoadOptions): Promise<ScrapeLoadResult> {
  const { baseUrl, clients, requestsPerClient, maxMs, signal } = options;
  const latenciesMs: number[] = [];
  const errorSamples: string[] = [];
  const bodies = new Set<string>();
  let errorCount = 0;
  let bodyBytes = 0;
  let capped = false;
  const start = process.hrtime.bigint();
  const elapsedMs = () => Number(process.hrtime.bigint() - start) / 1e6;
  const total = clients * requestsPerClient;

  const progress = options.onProgress
    ? setInterval(() => options.onProgress!(latenciesMs.length + errorCount, total, elapsedMs()), options.progressEveryMs ?? 5_000)
    : null;

  const oneClient = async (): Promise<void> => {
    const client = new Client(baseUrl, { pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
    try {
      for (let i = 0; i < requestsPerClient; i++) {
        if (signal.aborted) return;
        if (elapsedMs() >= maxMs) {
          capped = true;
          return;
        }
        const t0 = process.hrtime.bigint();
        try {
          const response = await client.request({ path: '/metrics', method: 'GET', signal });
          const body = await response.body.text();
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
          latenciesMs.push(ms);
          bodyBytes = Buffer.byteLength(body);
          bodies.add(createHash('sha1').update(body).digest('hex'));
        } catch (error) {
          if (signal.aborted) return;
          errorCount++;
          if (errorSamples.length < 3) errorSamples.push((error as Error).message);
        }
      }
    } finally {
      await client.close().catch(() => undefined);
    }
  };

  try {
    await Promise.all(Array.from({ length: clients }, oneClient));
  } finally {
    if (progress) clearInterval(progress);
  }
  return {
    latenciesMs,
    errorCount,
    errorSamples,
    distinctBodies: bodies.size,
    bodyBytes,
    wallSeconds: elapsedMs() / 1000,
    capped,
  };
}
