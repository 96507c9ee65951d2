import {
  MAX_SIGHTINGS_PER_REQUEST,
  type Sighting,
  type SightingSource,
} from '../../protocol/index.js';
import { httpsJson } from '../mdm/relay/https-json.js';
import { listenForDhcpClients } from './dhcp-listener.js';
import { readNeighbours } from './neighbour-table.js';
import { vendorOf } from './oui-vendor.js';
import { enrollSensor } from './sensor-identity.js';
import {
  readSensorState,
  type SensorIdentity,
  type SensorStateFile,
  writeSensorState,
} from './sensor-state.js';

export interface SensorOptions {
  /** The server's agent plane, e.g. https://server:2222. */
  readonly serverUrl: string;
  readonly caPem: string;
  /** Needed only on the first start (no identity in the state file yet). */
  readonly enrollToken?: string;
  /**
   * An identity the deployment issued (provisioned-identity.ts), taken on the first start
   * instead of enrolling. @default none (enroll with enrollToken)
   */
  readonly provisioned?: SensorIdentity;
  readonly stateFile: string;
  /** Only this interface's neighbours (default: all). */
  readonly device?: string;
  readonly pollSeconds: number;
  /** UDP port DHCP clients broadcast to; null: do not listen. */
  readonly dhcpPort: number | null;
  readonly log: (line: string) => void;
}

export interface RunningSensor {
  readonly agentId: string;
  /** MACs the server acknowledged, over every run of this state file. */
  reportedCount(): number;
  close(): Promise<void>;
}

/**
 * The Rogue Detection Sensor: passive only. It never probes the network; it reads what the
 * host already learns (the kernel's neighbour table, polled) and what DHCP clients broadcast.
 * Each machine (MAC) is reported once: new ones wait in `pending` (merging an IP or host name
 * seen meanwhile), go to the server in batches, and count as reported only once the server
 * acknowledged them and the state file holding them was written. A failed report is tried
 * again after a growing pause (or the server's Retry-After); nothing is lost, nothing doubled.
 */
export async function startSensor(options: SensorOptions): Promise<RunningSensor> {
  let state = await readSensorState(options.stateFile);
  if (!state) {
    if (!options.enrollToken && !options.provisioned)
      throw new Error(
        `--enroll-token: required on the first start (${options.stateFile} holds no sensor identity yet), or --cert and --key`,
      );
    const identity =
      options.provisioned ??
      (await enrollSensor(options.serverUrl, options.caPem, options.enrollToken as string));
    state = { version: 1, serverUrl: options.serverUrl, identity, reported: {} };
    await writeSensorState(options.stateFile, state);
    options.log(
      options.provisioned
        ? `using the issued certificate of ${identity.agentId}`
        : `enrolled as ${identity.agentId}`,
    );
  }
  const reported = new Map(Object.entries(state.reported));
  const pending = new Map<string, Sighting>();
  /** Machines the server refused a sighting of: not offered again while this process runs. */
  const refusedMacs = new Set<string>();
  let current: SensorStateFile = state;
  let closed = false;
  let backoffSeconds = 0;
  let timer: NodeJS.Timeout | null = null;
  let busy: Promise<void> = Promise.resolve();

  const see = (mac: string, source: SightingSource, ip?: string, hostname?: string) => {
    if (reported.has(mac) || refusedMacs.has(mac)) return;
    const known = pending.get(mac);
    const vendor = known?.vendor ?? vendorOf(mac);
    pending.set(mac, {
      mac,
      source: known?.source === 'dhcp' ? 'dhcp' : source,
      seenAt: known?.seenAt ?? new Date().toISOString(),
      ...((ip ?? known?.ip) ? { ip: ip ?? known?.ip } : {}),
      ...((hostname ?? known?.hostname) ? { hostname: hostname ?? known?.hostname } : {}),
      ...(vendor ? { vendor } : {}),
    });
  };

  const dhcp =
    options.dhcpPort === null
      ? null
      : await listenForDhcpClients((c) => see(c.mac, 'dhcp', c.ip, c.hostname), {
          port: options.dhcpPort,
        });
  if (dhcp && 'error' in dhcp) options.log(`${dhcp.error}: going on with the neighbour table only`);

  const report = async () => {
    const batch = [...pending.values()].slice(0, MAX_SIGHTINGS_PER_REQUEST);
    if (batch.length === 0) return;
    const answer = await httpsJson<{ stored?: number; error?: { message?: string } }>(
      `${options.serverUrl}/v1/sightings`,
      { ca: options.caPem, cert: current.identity.certPem, key: current.identity.keyPem },
      { body: { sightings: batch } },
    );
    // A sighting the server refuses (400 naming /sightings/i/...) is dropped, said once, and
    // never blocks the machines behind it; anything else is tried again later.
    const refused = /^\/sightings\/(\d+)/.exec(
      answer.status === 400
        ? ((answer.body?.error as { field?: string } | undefined)?.field ?? '')
        : '',
    );
    const dropped = refused ? batch[Number(refused[1])] : undefined;
    if (dropped) {
      pending.delete(dropped.mac);
      refusedMacs.add(dropped.mac);
      options.log(
        `the server refused the sighting of ${dropped.mac} (${answer.body?.error?.message ?? 'no reason'}): not sent again`,
      );
      return;
    }
    if (answer.status !== 200) {
      const reason = answer.body?.error?.message ?? '';
      throw Object.assign(new Error(`the server answered ${answer.status} ${reason}`.trim()), {
        retryAfterSeconds: answer.retryAfterSeconds,
      });
    }
    const at = new Date().toISOString();
    for (const s of batch) reported.set(s.mac, at);
    current = { ...current, reported: Object.fromEntries(reported) };
    await writeSensorState(options.stateFile, current);
    for (const s of batch) pending.delete(s.mac);
    options.log(
      `reported ${batch.length} new machine(s): ${batch.map((s) => s.mac).join(' ')} (${reported.size} in all)`,
    );
  };

  const round = async () => {
    try {
      for (const n of await readNeighbours(options.device)) see(n.mac, 'neighbour-table', n.ip);
      while (pending.size > 0 && !closed) await report();
      backoffSeconds = 0;
    } catch (error) {
      const retry = (error as { retryAfterSeconds?: number | null }).retryAfterSeconds;
      backoffSeconds = retry ?? Math.min(300, Math.max(options.pollSeconds, backoffSeconds * 2));
      options.log(
        `report failed, next try in ${Math.round(backoffSeconds)} s: ${(error as Error).message}`,
      );
    }
  };

  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => {
      busy = round().finally(schedule);
    }, Math.max(options.pollSeconds, backoffSeconds) * 1_000);
  };
  busy = round().finally(schedule);

  return {
    agentId: current.identity.agentId,
    reportedCount: () => reported.size,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await busy.catch(() => {});
      if (dhcp && !('error' in dhcp)) await dhcp.close();
    },
  };
}
