import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { normaliseMac } from './mac.js';

const run = promisify(execFile);

/**
 * The kernel's neighbour table: every host this one exchanged ARP with (it asked us, or we
 * asked it), with no capture rights needed. Read with `ip -j neigh` (iproute2), else from
 * /proc/net/arp. Entries without a link-layer address (INCOMPLETE, FAILED) are no sighting.
 */
export interface NeighbourEntry {
  readonly mac: string;
  readonly ip: string;
  readonly device: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export async function readNeighbours(device?: string): Promise<NeighbourEntry[]> {
  try {
    const args = ['-j', '-4', 'neigh', 'show', ...(device ? ['dev', device] : [])];
    const { stdout } = await run('ip', args, { timeout: 10_000, maxBuffer: 64 * 1024 * 1024 });
    const parsed = JSON.parse(stdout || '[]') as {
      dst?: string;
      dev?: string;
      lladdr?: string;
      state?: string[];
    }[];
    return entries(
      parsed.map((e) => ({ ip: e.dst, mac: e.lladdr, device: e.dev ?? device, state: e.state })),
    );
  } catch {
    return readProcArp(device);
  }
}

async function readProcArp(device?: string): Promise<NeighbourEntry[]> {
  const text = await readFile('/proc/net/arp', 'utf8').catch(() => '');
  // IP address  HW type  Flags  HW address  Mask  Device; flags 0x0 is an incomplete entry.
  const rows = text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 6 && cols[2] !== '0x0')
    .map(([ip, , , mac, , dev]) => ({ ip, mac, device: dev, state: [] as string[] }));
  return entries(rows.filter((r) => !device || r.device === device));
}

function entries(
  raw: { ip?: string; mac?: string; device?: string; state?: string[] }[],
): NeighbourEntry[] {
  const out: NeighbourEntry[] = [];
  for (const e of raw) {
    if (!e.ip || !IPV4.test(e.ip) || !e.mac) continue;
    if (e.state?.some((s) => s === 'FAILED' || s === 'INCOMPLETE' || s === 'NOARP')) continue;
    const mac = normaliseMac(e.mac);
    if (mac) out.push({ mac, ip: e.ip, device: e.device ?? '' });
  }
  return out;
}
