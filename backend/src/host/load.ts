import { hostPath, readRequiredFile } from './files.js';
import { fieldsOf, parseUnsignedDecimal } from './numbers.js';

export interface LoadAverages {
  load1: number;
  load5: number;
  load15: number;
}

const PROC_LOADAVG = '/proc/loadavg';

/** `0.13 0.12 0.05 1/86 4750`: the first three fields are the 1, 5 and 15 minute averages. */
export function parseLoadavg(text: string): LoadAverages {
  const [load1, load5, load15] = fieldsOf(text);
  return {
    load1: parseUnsignedDecimal(load1, PROC_LOADAVG, 'load1'),
    load5: parseUnsignedDecimal(load5, PROC_LOADAVG, 'load5'),
    load15: parseUnsignedDecimal(load15, PROC_LOADAVG, 'load15'),
  };
}

export async function readLoadAverages(root: string): Promise<LoadAverages> {
  return parseLoadavg(await readRequiredFile(hostPath(root, 'proc/loadavg')));
}
