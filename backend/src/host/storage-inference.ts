/**
 * Which storage class PGTune's first guess and the random_page_cost range assume, and why. A flag from
 * /sys (`rotational`) says what the device claims, not what random reads cost: virtual disks often claim
 * to rotate, and a data set served from the OS page cache or shared_buffers makes random reads cheap on
 * any disk. So what PostgreSQL measured comes first, the operator's word above everything.
 */
import type { StorageKind } from './storage.js';

/** TUNER_STORAGE: `auto` infers; `ssd` or `hdd` is the operator's word. */
export type StorageSetting = 'auto' | 'ssd' | 'hdd';

/** Cumulative block-read counters of the node's databases (pg_stat_database, summed). */
export interface BlockReadCounters {
  blocksRead: number;
  blocksHit: number;
  /** Time spent reading blocks, ms; null when track_io_timing is off (PostgreSQL then reports 0). */
  readTimeMs: number | null;
}

export interface StorageInference {
  kind: StorageKind;
  source: 'setting' | 'read_latency' | 'cache_hit_ratio' | 'device';
  /** One sentence for the knobs API and the session's events. */
  reason: string;
}

/** Fewer reads than this say nothing about their latency (a cold start, a stats reset). */
export const MIN_TIMED_READS = 1000;
/** Fewer block accesses than this say nothing about the cache. */
export const MIN_BLOCK_ACCESSES = 100_000;
/** Mean read latencies, ms: below the first random reads are SSD- or cache-fast, above the second they seek. */
export const FAST_READ_MS = 1;
export const SLOW_READ_MS = 4;
/** A hit ratio this high means random page reads rarely leave shared_buffers. */
export const CACHED_HIT_RATIO = 0.99;

/** The share of block accesses that hit shared_buffers when it says the data set is cached; null when it does not (or too few accesses to tell). */
export function cachedHitShare(blocksHit: number, blocksRead: number): number | null {
  const accesses = blocksHit + blocksRead;
  if (accesses < MIN_BLOCK_ACCESSES) return null;
  const share = blocksHit / accesses;
  return share >= CACHED_HIT_RATIO ? share : null;
}

export function inferStorage(input: { setting: StorageSetting; device: StorageKind; reads: BlockReadCounters | null }): StorageInference {
  const { setting, device, reads } = input;
  if (setting !== 'auto') return { kind: setting, source: 'setting', reason: `TUNER_STORAGE=${setting}` };
  if (reads !== null && reads.readTimeMs !== null && reads.blocksRead >= MIN_TIMED_READS) {
    const meanMs = reads.readTimeMs / reads.blocksRead;
    const measured = `block reads average ${meanMs.toFixed(3)} ms over ${reads.blocksRead} reads (track_io_timing)`;
    if (meanMs < FAST_READ_MS) return { kind: 'ssd', source: 'read_latency', reason: `${measured}: random reads are cheap (SSD or OS cache)` };
    if (meanMs >= SLOW_READ_MS) return { kind: 'hdd', source: 'read_latency', reason: `${measured}: reads seek like a spinning disk` };
  }
  const share = reads === null ? null : cachedHitShare(reads.blocksHit, reads.blocksRead);
  if (reads !== null && share !== null) {
    const accesses = reads.blocksRead + reads.blocksHit;
    return {
      kind: 'ssd',
      source: 'cache_hit_ratio',
      reason: `${(100 * share).toFixed(2)} % of ${accesses} block accesses hit shared_buffers: the data set is cached, random reads rarely reach the disk`,
    };
  }
  const claim = device === 'unknown' ? 'no whole disk says whether it rotates' : `the disks say they ${device === 'hdd' ? 'rotate' : 'do not rotate'} (/sys/block/*/queue/rotational)`;
  const why = reads === null ? 'no read counters' : reads.readTimeMs === null ? 'track_io_timing is off and the cache hit ratio is not conclusive' : 'too few reads measured to tell';
  return { kind: device, source: 'device', reason: `${claim}; ${why}` };
}
