import { readFileSync, readlinkSync } from 'node:fs';

/**
 * A process named so that a recycled pid is not mistaken for it: pid plus its start time
 * (clock ticks since boot, /proc/<pid>/stat field 22) and the boot it started in.
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime?: string;
  readonly bootId?: string;
}

export function identityOf(pid: number): ProcessIdentity {
  const startTime = statFields(pid)?.[19];
  const boot = bootId();
  return { pid, ...(startTime ? { startTime } : {}), ...(boot ? { bootId: boot } : {}) };
}

/** Whether the very process `identity` names still runs (zombies do not count). */
export function isRunning(identity: ProcessIdentity): boolean {
  if (!pidExists(identity.pid)) return false;
  const fields = statFields(identity.pid);
  if (!fields) return true; // no /proc (macOS): the pid exists, trust it
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  if (identity.bootId && bootId() && identity.bootId !== bootId()) return false;
  return identity.startTime === undefined || identity.startTime === fields[19];
}

/** A pid that exists and is not a zombie (an orphan may wait unreaped under a lax init). */
export function pidAlive(pid: number): boolean {
  if (!pidExists(pid)) return false;
  const state = statFields(pid)?.[0];
  return state !== 'Z' && state !== 'X';
}

export function parentPid(pid: number): number | undefined {
  const ppid = Number(statFields(pid)?.[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** The process's working folder (PostgreSQL's postmaster works in its data folder). */
export function workingFolder(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fields from field 3 (state) on: the command name before them may hold spaces. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat
      .slice(stat.lastIndexOf(')') + 2)
      .trim()
      .split(' ');
  } catch {
    return undefined;
  }
}

let cachedBootId: string | undefined | null = null;
function bootId(): string | undefined {
  if (cachedBootId === null) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBootId = undefined;
    }
  }
  return cachedBootId;
}
