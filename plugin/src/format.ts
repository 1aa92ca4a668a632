/** Words and numbers as the pages show them. */
import type { ClusterView } from '@patroni-tuner/backend/contract';

export type RecentEvent = ClusterView['recentEvents'][number];

export function formatBytes(bytes: number | null): string {
  if (bytes === null) {
    return 'unknown';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export const formatTime = (at: string | number | Date) => new Date(at).toLocaleString();

export function describeEvent(event: RecentEvent): string {
  switch (event.type) {
    case 'leader_lost':
      return `leader ${event.from} lost the lock`;
    case 'leader_acquired':
      return `${event.to} became leader`;
    case 'leader_changed':
      return `leader changed from ${event.from} to ${event.to}`;
    case 'lock_released':
      return 'leader lock released';
    case 'lock_acquired':
      return 'leader lock acquired';
    case 'timeline_changed':
      return `timeline ${event.from} → ${event.to}`;
    case 'paused':
      return 'cluster paused (maintenance mode)';
    case 'resumed':
      return 'cluster resumed';
    case 'member_down':
      return `${event.member} down${event.health ? ` (${event.health})` : ' (left the cluster)'}${event.wasLeader ? ', was leader' : ''}`;
    case 'member_up':
      return `${event.member} up`;
  }
}

export const shortId = (id: string) => id.slice(0, 8);

/** "2h 05m", "3m 20s", "45s": how long from `from` to `to`. */
export function formatDuration(fromMs: number, toMs: number): string {
  const seconds = Math.max(0, Math.round((toMs - fromMs) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) {
    return `${h}h ${String(m).padStart(2, '0')}m`;
  }
  return m > 0 ? `${m}m ${String(s).padStart(2, '0')}s` : `${s}s`;
}
