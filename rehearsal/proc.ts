import { readdir, readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';

/**
 * What Linux says about the rehearsal's processes and sockets, read from /proc: the CPU the
 * server and its PostgreSQL spent, their memory, how busy the whole machine was, and how
 * many agent sessions the server holds. Reading /proc costs nothing the server could notice
 * and needs nothing from the server itself (rehearsal/ never imports server/).
 */

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on every Linux we run on). */
const TICKS_PER_SECOND = 100;

interface StatFields {
  readonly ppid: number;
  /** user + system CPU seconds. */
  readonly cpuSeconds: number;
  /** user + system CPU seconds of its children that exited and were waited for. */
  readonly reapedChildrenCpuSeconds: number;
}

async function readStat(pid: number): Promise<StatFields | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (text === null) return null;
  // The command name is in parentheses and may contain spaces: fields follow the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
  return {
    ppid: Number(fields[1]),
    cpuSeconds: ((utime ?? 0) + (stime ?? 0)) / TICKS_PER_SECOND,
    reapedChildrenCpuSeconds: ((cutime ?? 0) + (cstime ?? 0)) / TICKS_PER_SECOND,
  };
}

/** Every live process id with its parent. */
async function processTable(): Promise<Map<number, number>> {
  const parents = new Map<number, number>();
  const entries = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        const stat = await readStat(Number(name));
        if (stat) parents.set(Number(name), stat.ppid);
      }),
  );
  return parents;
}

/** All descendants of `pid` (children, grandchildren...), not `pid` itself. */
export async function descendantsOf(pid: number): Promise<number[]> {
  const parents = await processTable();
  const found: number[] = [];
  const wanted = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [child, parent] of parents) {
      if (wanted.has(parent) && !wanted.has(child)) {
        wanted.add(child);
        found.push(child);
        grew = true;
      }
    }
  }
  return found;
}

/** CPU seconds (user + system) a set of processes has used so far; gone ones count 0. */
export async function cpuSecondsOf(pids: readonly number[]): Promise<number> {
  const stats = await Promise.all(pids.map(readStat));
  return stats.reduce((sum, stat) => sum + (stat?.cpuSeconds ?? 0), 0);
}

/**
 * CPU seconds a set of processes and every child they have reaped used so far: PostgreSQL's
 * postmaster reaps each backend that exits (a pool closing an idle connection), so a backend
 * that worked and left between two readings still counts, in its parent's children time.
 */
export async function cpuSecondsWithReapedOf(pids: readonly number[]): Promise<number> {
  const stats = await Promise.all(pids.map(readStat));
  return stats.reduce(
    (sum, stat) => sum + (stat ? stat.cpuSeconds + stat.reapedChildrenCpuSeconds : 0),
    0,
  );
}

/**
 * Seconds a set of processes spent runnable but waiting for a core (the second field of
 * /proc/<pid>/schedstat): how much the machine's other work held them back.
 */
export async function runQueueSecondsOf(pids: readonly number[]): Promise<number> {
  const texts = await Promise.all(
    pids.map((pid) => readFile(`/proc/${pid}/schedstat`, 'utf8').catch(() => '')),
  );
  return texts.reduce((sum, text) => sum + (Number(text.split(' ')[1]) || 0) / 1e9, 0);
}

/** Resident memory of a process in bytes (0 when it is gone). */
export async function rssBytesOf(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(text)?.[1];
  return kib ? Number(kib) * 1_024 : 0;
}

/** Whole-machine CPU time so far: busy and total jiffies from /proc/stat. */
export async function machineCpu(): Promise<{ busy: number; total: number }> {
  const text = await readFile('/proc/stat', 'utf8').catch(() => '');
  const values = (text.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    values;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/**
 * Established TCP connections whose local end is `host:port`: the agent sessions a server
 * listening there holds right now. Client sockets have it as their remote end. The address
 * matters: a client bound to another loopback address (the simulator spreads its connections
 * over 127.0.0.1-16) may be given the server's port number as its own ephemeral port, and
 * counting by port alone took it for a session (2,001 of 2,000). Without `host` (or for one
 * that is not IPv4) the port alone decides, over IPv4 and IPv6.
 */
export async function establishedOnPort(port: number, host?: string): Promise<number> {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const local = host !== undefined && isIPv4(host) ? `${ipv4Hex(host)}:${portHex}` : null;
  let count = 0;
  for (const file of local ? ['/proc/net/tcp'] : ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      // columns: sl local_address rem_address st ...; 01 is ESTABLISHED.
      if (columns[3] !== '01') continue;
      if (local ? columns[1] === local : columns[1]?.endsWith(`:${portHex}`)) count++;
    }
  }
  return count;
}

/** An IPv4 address as /proc/net/tcp writes it: the 32 bits in host (little-endian) order, hex. */
export function ipv4Hex(address: string): string {
  return address
    .split('.')
    .reverse()
    .map((octet) => Number(octet).toString(16).toUpperCase().padStart(2, '0'))
    .join('');
}

/**
 * Established connections on `port` once the count stops moving (the same in three samples
 * 500 ms apart, at most 15 s): right after a phase, the server is still closing connections
 * its peers gave up on and accepting ones they retried, so one look counts either way.
 */
export async function settledEstablishedOnPort(
  port: number,
  host?: string,
  maxMs = 15_000,
): Promise<number> {
  const until = Date.now() + maxMs;
  let last = await establishedOnPort(port, host);
  for (let same = 0; same < 2 && Date.now() < until; ) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await establishedOnPort(port, host);
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

/** Memory the kernel could give out now, bytes (MemAvailable). */
export async function availableMemoryBytes(): Promise<number | null> {
  const text = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const kib = /^MemAvailable:\s+(\d+)\s+kB/m.exec(text)?.[1];
  return kib ? Number(kib) * 1_024 : null;
}

/**
 * The most files (sockets included) a process may hold open: its RLIMIT_NOFILE soft limit,
 * from /proc/<pid>/limits (null when it cannot be read or is unlimited). Every persistent
 * agent session is one socket, so this caps the sessions a server process can hold.
 */
export async function openFilesLimit(pid: number | 'self' = 'self'): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/limits`, 'utf8').catch(() => '');
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  return soft && /^\d+$/.test(soft) ? Number(soft) : null;
}
