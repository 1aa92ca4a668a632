import type { DiskStats } from '../host/disks.js';
import type { HostSnapshot } from '../host/snapshot.js';
import { counter, gauge, single, type FamilySpec, type Sample } from './family.js';
import type { Scrape } from './scrape.js';

const host = (s: Scrape): HostSnapshot | null => (s.host.ok ? s.host.value : null);

const perDisk = (pick: (d: DiskStats) => number) => (s: Scrape): Sample[] =>
  (host(s)?.disks ?? []).map((d) => ({ labels: { device: d.device }, value: pick(d) }));

export const hostFamilies: FamilySpec<Scrape>[] = [
  gauge('pgtuner_host_up', 'Whether /proc and /sys could be read on the last scrape (1) or not (0).', (s) => [
    { value: s.host.ok ? 1 : 0 },
  ]),
  counter('pgtuner_host_cpu_seconds_total', 'CPU time of all CPUs by mode, from /proc/stat.', (s) =>
    Object.entries(host(s)?.cpu.secondsByMode ?? {}).map(([mode, value]) => ({ labels: { mode }, value })),
  ),
  gauge('pgtuner_host_cpus', 'Number of CPUs the kernel reports.', (s) => single(host(s)?.cpu.count)),
  gauge('pgtuner_host_memory_total_bytes', 'MemTotal from /proc/meminfo.', (s) => single(host(s)?.memory.totalBytes)),
  gauge('pgtuner_host_memory_available_bytes', 'MemAvailable from /proc/meminfo.', (s) =>
    single(host(s)?.memory.availableBytes),
  ),
  gauge('pgtuner_host_swap_total_bytes', 'SwapTotal from /proc/meminfo.', (s) => single(host(s)?.memory.swapTotalBytes)),
  gauge('pgtuner_host_swap_free_bytes', 'SwapFree from /proc/meminfo.', (s) => single(host(s)?.memory.swapFreeBytes)),
  gauge('pgtuner_host_load1', '1-minute load average.', (s) => single(host(s)?.load.load1)),
  gauge('pgtuner_host_load5', '5-minute load average.', (s) => single(host(s)?.load.load5)),
  gauge('pgtuner_host_load15', '15-minute load average.', (s) => single(host(s)?.load.load15)),
  gauge('pgtuner_host_cgroup_cpu_limit_cores', "CPU limit of the agent's cgroup in cores; absent when unlimited.", (s) =>
    single(host(s)?.cgroup.cpuLimitCores),
  ),
  gauge('pgtuner_host_cgroup_memory_limit_bytes', "Memory limit of the agent's cgroup; absent when unlimited.", (s) =>
    single(host(s)?.cgroup.memoryLimitBytes),
  ),
  counter('pgtuner_host_disk_reads_completed_total', 'Reads completed per whole disk.', perDisk((d) => d.readsCompleted)),
  counter('pgtuner_host_disk_writes_completed_total', 'Writes completed per whole disk.', perDisk((d) => d.writesCompleted)),
  counter('pgtuner_host_disk_read_bytes_total', 'Bytes read per whole disk.', perDisk((d) => d.readBytes)),
  counter('pgtuner_host_disk_written_bytes_total', 'Bytes written per whole disk.', perDisk((d) => d.writtenBytes)),
  counter('pgtuner_host_disk_read_time_seconds_total', 'Time spent reading per whole disk.', perDisk((d) => d.readTimeSeconds)),
  counter('pgtuner_host_disk_write_time_seconds_total', 'Time spent writing per whole disk.', perDisk((d) => d.writeTimeSeconds)),
  counter('pgtuner_host_disk_io_time_seconds_total', 'Time the disk was busy.', perDisk((d) => d.ioTimeSeconds)),
  counter(
    'pgtuner_host_disk_io_time_weighted_seconds_total',
    'Busy time weighted by the number of IOs in flight (average queue size as a rate).',
    perDisk((d) => d.ioTimeWeightedSeconds),
  ),
  gauge('pgtuner_host_disk_io_now', 'IOs in flight per whole disk.', perDisk((d) => d.ioInFlight)),
];
