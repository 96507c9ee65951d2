import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { machineBusyPercent } from './server-cpu.js';

export interface MachineBlock {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  /** Major version of the embedded PostgreSQL (its data folder's PG_VERSION). */
  readonly postgres: string;
  /** Soft and hard RLIMIT_NOFILE of the benchmark (its children inherit them). */
  readonly openFilesLimit: { readonly soft: number | null; readonly hard: number | null };
  /** Share of all cores busy over 2 s before the run: others' work on a shared box. */
  readonly busyBeforeStartPercent: number;
}

/** The machine block of bench:workers and bench:session-memory, as bench:server writes it. */
export async function machineBlock(busyBeforeStartPercent: number): Promise<MachineBlock> {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? '?',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    postgres: '?',
    openFilesLimit: await openFilesLimit(),
    busyBeforeStartPercent,
  };
}

/** The embedded cluster's major version, read once a server's data folder exists. */
export async function postgresVersionIn(dataDir: string): Promise<string> {
  const text = await readFile(path.join(dataDir, 'pg', 'PG_VERSION'), 'utf8').catch(() => '');
  return text.trim() ? `PostgreSQL ${text.trim()}` : '?';
}

export function busyNow(): Promise<number> {
  return machineBusyPercent(2_000);
}

async function openFilesLimit(): Promise<MachineBlock['openFilesLimit']> {
  const text = await readFile('/proc/self/limits', 'utf8').catch(() => '');
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  const value = (field: string | undefined) =>
    field === undefined || field === 'unlimited' ? null : Number(field);
  return { soft: value(match?.[1]), hard: value(match?.[2]) };
}
