import {
  cpuSecondsOf,
  cpuSecondsWithReapedOf,
  descendantsOf,
  machineCpu,
  rssBytesOf,
  runQueueSecondsOf,
} from './proc.js';

/** CPU the server and its database had used, and the machine's counters, at one moment. */
export interface CpuReading {
  readonly atMs: number;
  readonly serverSeconds: number;
  readonly databaseSeconds: number;
  readonly generatorSeconds: number;
  /** Seconds the server and its database waited, runnable, for a core. */
  readonly serverWaitSeconds: number;
  readonly databaseWaitSeconds: number;
  readonly machineBusy: number;
  readonly machineTotal: number;
}

/** What a stretch of the run cost: CPU seconds of each part, and how busy the box was. */
export interface CpuSpent {
  readonly wallSeconds: number;
  readonly serverSeconds: number;
  readonly databaseSeconds: number;
  readonly generatorSeconds: number;
  /** Share of the stretch the server (and, summed, its database) waited for a core. */
  readonly serverWaitShare: number;
  readonly databaseWaitShare: number;
  /** Share of all cores busy with anything (0..1): ours, others', the generator's. */
  readonly machineBusyShare: number;
}

/**
 * Watches the server child and the PostgreSQL it started (its descendants), from /proc, so
 * the rehearsal can say what one replication costs each of them: the figure a projection
 * onto the plan's machines is built from.
 */
export class ProcessWatch {
  constructor(
    readonly serverPid: number,
    /** The generator processes, whose CPU competes with the server's on this box. */
    private readonly generatorPids: () => readonly number[] = () => [],
    /** `smc serve --workers N`: the agent-plane workers, children of `serverPid` beside its database. */
    private readonly serverWorkerPids: () => readonly number[] = () => [],
  ) {}

  /** The server's processes: the one `smc serve`, or its primary and its workers. */
  private serverPids(): number[] {
    return [this.serverPid, ...this.serverWorkerPids()];
  }

  /** The database's processes: the server's descendants that are not its workers. */
  private async databasePids(): Promise<number[]> {
    const workers = new Set(this.serverWorkerPids());
    return (await descendantsOf(this.serverPid)).filter((pid) => !workers.has(pid));
  }

  async read(): Promise<CpuReading> {
    const database = await this.databasePids();
    const server = this.serverPids();
    const [serverSeconds, databaseSeconds, generatorSeconds, serverWait, databaseWait, machine] =
      await Promise.all([
        cpuSecondsOf(server),
        // Backends come and go with the pools' connections: their parent keeps their CPU.
        cpuSecondsWithReapedOf(database),
        cpuSecondsOf(this.generatorPids()),
        runQueueSecondsOf(server),
        runQueueSecondsOf(database),
        machineCpu(),
      ]);
    return {
      atMs: performance.now(),
      serverSeconds,
      databaseSeconds,
      generatorSeconds,
      // Per process: N workers each waiting a quarter of the time is a quarter, not N quarters.
      serverWaitSeconds: serverWait / server.length,
      databaseWaitSeconds: databaseWait,
      machineBusy: machine.busy,
      machineTotal: machine.total,
    };
  }

  /** Resident memory of the server's processes together. */
  async serverRssBytes(): Promise<number> {
    const sizes = await Promise.all(this.serverPids().map(rssBytesOf));
    return sizes.reduce((a, b) => a + b, 0);
  }

  /** Resident memory of the database processes together. */
  async databaseRssBytes(): Promise<number> {
    const pids = await this.databasePids();
    const sizes = await Promise.all(pids.map(rssBytesOf));
    return sizes.reduce((a, b) => a + b, 0);
  }

  /**
   * ours: a server (or its database) that spent this share of a stretch runnable but waiting
   * for a core was held back by the machine's other work: the generator, or anyone else's.
   */
  static readonly STARVED = 0.25;

  /** Whether the machine, not the server, held the stretch back. */
  static starved(spent: CpuSpent): boolean {
    return (
      spent.serverWaitShare >= ProcessWatch.STARVED ||
      spent.databaseWaitShare >= ProcessWatch.STARVED
    );
  }

  static spent(before: CpuReading, after: CpuReading): CpuSpent {
    const total = after.machineTotal - before.machineTotal;
    const wallSeconds = (after.atMs - before.atMs) / 1_000;
    const share = (b: number, a: number) =>
      wallSeconds > 0 ? Math.max(0, a - b) / wallSeconds : 0;
    return {
      wallSeconds,
      serverWaitShare: share(before.serverWaitSeconds, after.serverWaitSeconds),
      databaseWaitShare: share(before.databaseWaitSeconds, after.databaseWaitSeconds),
      serverSeconds: Math.max(0, after.serverSeconds - before.serverSeconds),
      // Never below zero (a reading that missed a process between its exit and its reaping).
      databaseSeconds: Math.max(0, after.databaseSeconds - before.databaseSeconds),
      generatorSeconds: Math.max(0, after.generatorSeconds - before.generatorSeconds),
      machineBusyShare: total > 0 ? (after.machineBusy - before.machineBusy) / total : 0,
    };
  }
}
