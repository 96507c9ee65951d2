import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_GENERATOR_LIMITS } from '../../simulator/index.js';
import { type CpuSnapshot, cpuBetween, cpuSnapshot } from './server-cpu.js';

/** Who burnt the CPU over a window, each in % of one core (the machine in % of all cores). */
export interface MdmCpuFigures {
  readonly connectorPercent: number;
  /** The connector's embedded PostgreSQL: its postmaster and the postmaster's children. */
  readonly postgresPercent: number;
  /** This process: the load generator (the devices). */
  readonly generatorPercent: number;
  /** Everything else on the box (the management server, other jobs). */
  readonly otherPercent: number;
  readonly machineBusyPercent: number;
  /** The generator's event-loop delay p99 over the window, ms. */
  readonly generatorLagP99Ms: number;
  /** 1-minute load average at the end of the window. */
  readonly loadAverage1m: number;
  /** The generator was at its limit: its figures include its own queueing. */
  readonly generatorSaturated: boolean;
  /** Length of the window these figures cover, seconds. */
  readonly windowSeconds: number;
}

/** Loop lag of 10 ms resolution includes the resolution itself; subtract it. */
const LAG_RESOLUTION_MS = 10;

/**
 * CPU by party for one connector, from /proc (Linux): the `smc mdm` process (`ready.pid`), its
 * PostgreSQL (postmaster.pid in `<pgDir>`, else the process whose command line names `<pgDir>`),
 * this process, and the machine; plus this process's event-loop delay.
 */
export class MdmCpuSampler {
  private lag: IntervalHistogram;

  private constructor(
    private readonly parties: { postmasterPid: number; loadPid: number },
    private last: CpuSnapshot,
  ) {
    this.lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    this.lag.enable();
  }

  static async start(connectorPid: number, pgDir: string): Promise<MdmCpuSampler> {
    const postmasterPid = await findPostmaster(pgDir);
    // server-cpu's "load" process is our connector; its "server" (this process) our generator.
    const parties = { postmasterPid, loadPid: connectorPid };
    return new MdmCpuSampler(parties, await cpuSnapshot(parties));
  }

  get postmasterPid(): number {
    return this.parties.postmasterPid;
  }

  /** Starts a new window now (drops what was measured since the last read). */
  async reset(): Promise<void> {
    this.last = await cpuSnapshot(this.parties);
    this.lag.reset();
  }

  /** Figures since the last read or reset, and starts the next window. */
  async read(): Promise<MdmCpuFigures> {
    const now = await cpuSnapshot(this.parties);
    const cpu = cpuBetween(this.last, now, os.cpus().length);
    const windowSeconds = Math.round(now.at - this.last.at) / 1_000;
    this.last = now;
    const lagP99Ms =
      this.lag.count > 0 ? Math.max(0, this.lag.percentile(99) / 1e6 - LAG_RESOLUTION_MS) : 0;
    this.lag.reset();
    const generatorLagP99Ms = Math.round(lagP99Ms * 10) / 10;
    return {
      connectorPercent: cpu.loadPercent,
      postgresPercent: cpu.postgresPercent,
      generatorPercent: cpu.serverPercent,
      otherPercent: cpu.otherPercent,
      machineBusyPercent: cpu.machineBusyPercent,
      generatorLagP99Ms,
      loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
      generatorSaturated:
        cpu.serverPercent >= DEFAULT_GENERATOR_LIMITS.cpuPercent ||
        generatorLagP99Ms >= DEFAULT_GENERATOR_LIMITS.lagP99Ms,
      windowSeconds,
    };
  }

  stop(): void {
    this.lag.disable();
  }
}

/** The postmaster of the cluster in `pgDir` (-1 when not found: PostgreSQL then reads 0 %). */
async function findPostmaster(pgDir: string): Promise<number> {
  const fromFile = Number(
    (await readFile(path.join(pgDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0],
  );
  if (Number.isInteger(fromFile) && fromFile > 0) return fromFile;
  // The postmaster is the process naming the folder whose parent does not also name it.
  const naming = new Map<number, number>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes(pgDir)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    naming.set(Number(entry), ppid);
  }
  for (const [pid, ppid] of naming) if (!naming.has(ppid)) return pid;
  return -1;
}
