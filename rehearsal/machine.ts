import { availableParallelism, cpus, hostname, loadavg, totalmem } from 'node:os';
import { availableMemoryBytes } from './proc.js';

/** The machine a rehearsal ran on: every figure it measured belongs to this box. */
export interface MachineRecord {
  readonly hostname: string;
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  /** Free for use at the start (MemAvailable). */
  readonly availableMemoryBytes: number | null;
  /** 1, 5 and 15 minute load averages at the start: others' work competes with ours. */
  readonly loadAverage: readonly [number, number, number];
  readonly node: string;
}

export async function recordMachine(): Promise<MachineRecord> {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    hostname: hostname(),
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model?.trim() || 'unknown',
    memoryBytes: totalmem(),
    availableMemoryBytes: await availableMemoryBytes(),
    loadAverage: [round2(one), round2(five), round2(fifteen)],
    node: process.version,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
