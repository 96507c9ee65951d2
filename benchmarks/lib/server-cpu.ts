import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU time by party on a Linux box, from /proc: this process (the server), the load process,
 * our PostgreSQL cluster (its postmaster and the postmaster's children; other clusters on the
 * box are not ours) and the whole machine. With everything on two cores, knowing who burns
 * the CPU is most of "where does the time go", and the rest shows whether someone else was
 * busy in the same window.
 */
export interface CpuSnapshot {
  readonly at: number;
  readonly serverMicros: number;
  readonly loadTicks: number;
  /** Clock ticks (USER_HZ) per process of our cluster: per pid, so exits do not subtract. */
  readonly postgresTicks: ReadonlyMap<number, number>;
  readonly machineBusyTicks: number;
  readonly machineTotalTicks: number;
}

/** USER_HZ, 100 on every Linux Node supports. */
const TICKS_PER_SECOND = 100;

export interface CpuParties {
  readonly postmasterPid: number;
  readonly loadPid: number;
}

export async function cpuSnapshot(parties: CpuParties): Promise<CpuSnapshot> {
  const usage = process.cpuUsage();
  const [processes, machine] = await Promise.all([processTicks(), machineTicks()]);
  const postgresTicks = new Map<number, number>();
  for (const [pid, { ppid, ticks }] of processes) {
    if (pid === parties.postmasterPid || ppid === parties.postmasterPid)
      postgresTicks.set(pid, ticks);
  }
  return {
    at: performance.now(),
    serverMicros: usage.user + usage.system,
    loadTicks: processes.get(parties.loadPid)?.ticks ?? 0,
    postgresTicks,
    machineBusyTicks: machine.busy,
    machineTotalTicks: machine.total,
  };
}

export interface CpuFigures {
  /** Each in % of one core. */
  readonly serverPercent: number;
  readonly postgresPercent: number;
  readonly loadPercent: number;
  /** Everything else on the box (other jobs skew every figure). */
  readonly otherPercent: number;
  /** In % of the whole machine (all cores). */
  readonly machineBusyPercent: number;
}

export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, cores: number): CpuFigures {
  const seconds = Math.max(1e-3, (after.at - before.at) / 1_000);
  const percentOfCore = (ticks: number) => (ticks / TICKS_PER_SECOND / seconds) * 100;
  let postgresTicks = 0;
  for (const [pid, ticks] of after.postgresTicks) {
    postgresTicks += ticks - (before.postgresTicks.get(pid) ?? 0);
  }
  const total = after.machineTotalTicks - before.machineTotalTicks;
  const machineBusy = total > 0 ? (after.machineBusyTicks - before.machineBusyTicks) / total : 0;
  const serverPercent = ((after.serverMicros - before.serverMicros) / 1e6 / seconds) * 100;
  const postgresPercent = percentOfCore(postgresTicks);
  const loadPercent = percentOfCore(after.loadTicks - before.loadTicks);
  return {
    serverPercent: round1(serverPercent),
    postgresPercent: round1(postgresPercent),
    loadPercent: round1(loadPercent),
    otherPercent: round1(
      Math.max(0, machineBusy * cores * 100 - serverPercent - postgresPercent - loadPercent),
    ),
    machineBusyPercent: round1(machineBusy * 100),
  };
}

/** The share of the machine (all cores) busy over `ms`, e.g. to see others' work. */
export async function machineBusyPercent(ms: number): Promise<number> {
  const before = await machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await machineTicks();
  const total = after.total - before.total;
  return total > 0 ? round1(((after.busy - before.busy) / total) * 100) : 0;
}

async function processTicks(): Promise<Map<number, { ppid: number; ticks: number }>> {
  const result = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    // Fields after "(comm)": state, ppid (4th field), ..., utime (14th), stime (15th).
    const rest = stat.slice(close + 2).split(' ');
    result.set(Number(entry), {
      ppid: Number(rest[1]),
      ticks: Number(rest[11]) + Number(rest[12]),
    });
  }
  return result;
}

async function machineTicks(): Promise<{ busy: number; total: number }> {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => '');
  const fields = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
