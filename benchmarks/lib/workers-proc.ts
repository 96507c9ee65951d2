import { readdir, readFile } from 'node:fs/promises';

/** USER_HZ, 100 on every Linux Node supports. */
export const TICKS_PER_SECOND = 100;

/**
 * utime + stime of each pid from /proc/PID/stat, in clock ticks; a pid that is gone counts 0.
 * The server is another process (or N + 1 of them), so process.cpuUsage() cannot see it.
 */
export async function cpuTicksOf(pids: readonly number[]): Promise<Map<number, number>> {
  const ticks = new Map<number, number>();
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) {
      ticks.set(pid, 0);
      continue;
    }
    // Fields after "(comm)": state, ppid, ..., utime (14th field), stime (15th).
    const rest = stat.slice(close + 2).split(' ');
    ticks.set(pid, Number(rest[11]) + Number(rest[12]));
  }
  return ticks;
}

/** Ticks spent between two readings, summed over the pids of `after`. */
export function ticksBetween(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): number {
  let total = 0;
  for (const [pid, ticks] of after) total += Math.max(0, ticks - (before.get(pid) ?? 0));
  return total;
}

/** A field of /proc/PID/status in KiB (VmRSS, VmHWM), or null when the process is gone. */
export async function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

/**
 * Our PostgreSQL cluster's memory: the postmaster and its children, by proportional set size
 * (smaps_rollup's Pss), so shared buffers mapped by every backend count once, not once per
 * backend as summing VmRSS would.
 */
export async function postgresPssKiB(postmasterPid: number): Promise<number> {
  let total = 0;
  for (const pid of await clusterPids(postmasterPid)) {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    const match = /^Pss:\s+(\d+) kB$/m.exec(text);
    total += match ? Number(match[1]) : 0;
  }
  return total;
}

/** The postmaster and its direct children (the backends and auxiliary processes). */
export async function clusterPids(postmasterPid: number): Promise<number[]> {
  const pids = [postmasterPid];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close >= 0 && Number(stat.slice(close + 2).split(' ')[1]) === postmasterPid)
      pids.push(Number(entry));
  }
  return pids;
}
