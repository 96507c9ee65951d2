import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RogueMachine, RogueMachineList } from '../../protocol/index.js';
import type { RunningServer } from '../../server/app.js';
import { TestAgent } from '../support/agent-client.js';
import { type LanHost, RogueLan } from '../support/rogue-lan.js';
import { consoleCall, enrollmentToken, testServer } from '../support/server.js';
import { SMC_BIN } from './run-cli.js';

/**
 * A real `smc rd-sensor` (the built binary) on one host of a LAN of network namespaces finds the
 * other hosts from what they send (ARP before a unicast datagram, DHCP client broadcasts); the
 * server tells the ones a managed computer reports (by MAC, by IP, by host name) from the rogue
 * ones, and nothing is reported twice, neither while running nor after a restart.
 */
const TRAFFIC = fileURLToPath(new URL('../support/lan-traffic.mjs', import.meta.url));

let lan: RogueLan;
let server: RunningServer;
let work: string;
let caFile: string;
const agents: TestAgent[] = [];
const sensors: SensorProcess[] = [];

class SensorProcess {
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stderr?.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => child.on('close', resolve));
  }
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stderr);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`sensor never printed ${pattern}; it said:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** Every MAC in its "reported" lines, once per mention. */
  reportedMacs(): string[] {
    return [...this.stderr.matchAll(/reported \d+ new machine\(s\): ([0-9a-f: ]+) \(/g)].flatMap(
      (m) => (m[1] as string).trim().split(' '),
    );
  }
}

function startSensor(stateFile: string, extra: string[] = []): SensorProcess {
  const [command, args] = lan.execArgs(lan.sensorNamespace, process.execPath, [
    SMC_BIN,
    'rd-sensor',
    '--target',
    server.agentUrl,
    '--ca',
    caFile,
    '--interface',
    'br0',
    '--state-file',
    stateFile,
    '--poll-interval',
    '1s',
    ...extra,
  ]);
  const sensor = new SensorProcess(spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  sensors.push(sensor);
  return sensor;
}

async function stopSensor(sensor: SensorProcess): Promise<number | null> {
  sensor.child.kill('SIGTERM');
  return sensor.exited;
}

/** A managed computer: an enrolled agent whose inventory lists these network interfaces. */
async function managedComputer(hostname: string, network: { mac: string; ipv4: string }[]) {
  const agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, agentToken);
  agents.push(agent);
  const hardware = { manufacturer: 'Test', network };
  const res = await agent.replicate({
    ...agent.body({ hostname }),
    inventory: {
      hash: createHash('sha256').update(JSON.stringify(hardware)).digest('hex'),
      hardware,
      software: [],
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return agent;
}

/** What each host sends: a unicast (so it ARPs for the sensor) or a DHCP broadcast. */
async function speak(host: LanHost, how: 'arp' | { dhcpHostname: string }) {
  const args =
    how === 'arp'
      ? [TRAFFIC, 'unicast', lan.sensorAddress]
      : [TRAFFIC, 'dhcp', host.mac, how.dhcpHostname];
  await lan.exec(host.namespace, process.execPath, args);
}

async function rogueList(query: string): Promise<RogueMachineList> {
  const res = await consoleCall<RogueMachineList>(server, `/api/rogue-machines?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Re-sends every host's traffic until the console lists `count` machines (or the bound passes). */
async function untilListed(
  count: number,
  traffic: () => Promise<void>,
  timeoutMs = 60_000,
): Promise<RogueMachine[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await traffic();
    const all = await rogueList('judgement=all&disposition=all&pageSize=500');
    if (all.total >= count) return all.items;
    if (Date.now() > deadline)
      throw new Error(`the console lists ${all.total} machines, not ${count}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

let agentToken: string;
let byMac: TestAgent;
let byIp: TestAgent;
let byName: TestAgent;
const hosts: Record<string, LanHost> = {};

beforeAll(async () => {
  lan = await RogueLan.create();
  server = await testServer({ host: lan.uplinkAddress });
  work = await mkdtemp(path.join(tmpdir(), 'smc-rd-sensor-'));
  caFile = path.join(work, 'ca.pem');
  await writeFile(caFile, server.caCertPem);
  agentToken = await enrollmentToken(server);
  const subnet = lan.sensorAddress.split('.').slice(0, 3).join('.');
  hosts.managedMac = await lan.addHost('managed-mac', '00:16:3e:aa:00:01', 11);
  hosts.managedIp = await lan.addHost('managed-ip', '00:50:56:aa:00:05', 15);
  hosts.managedName = await lan.addHost('managed-name', '00:1b:21:aa:00:02', 12);
  hosts.rogueArp = await lan.addHost('rogue-arp', '00:50:56:aa:00:03', 13);
  hosts.rogueDhcp = await lan.addHost('rogue-dhcp', '3c:22:fb:aa:00:04', 14);
  // The MAC in its inventory (its IP there is another one: the MAC must decide).
  byMac = await managedComputer('ws-by-mac', [{ mac: '00:16:3e:aa:00:01', ipv4: '192.0.2.1' }]);
  // Its inventory names the LAN address, not this MAC.
  byIp = await managedComputer('ws-by-ip', [{ mac: '00:16:3e:ff:ff:01', ipv4: `${subnet}.15` }]);
  // Only its host name is what the DHCP client says.
  byName = await managedComputer('ws-managed-07', [
    { mac: '00:16:3e:ff:ff:02', ipv4: '192.0.2.2' },
  ]);
}, 180_000);

afterAll(async () => {
  for (const sensor of sensors) if (sensor.child.exitCode === null) sensor.child.kill('SIGKILL');
  for (const agent of agents) agent.close();
  await server?.close();
  await lan?.destroy();
});

const firstRun = async () => {
  await speak(hosts.managedMac as LanHost, 'arp');
  await speak(hosts.managedIp as LanHost, 'arp');
  await speak(hosts.rogueArp as LanHost, 'arp');
  await speak(hosts.managedName as LanHost, { dhcpHostname: 'ws-managed-07' });
  await speak(hosts.rogueDhcp as LanHost, { dhcpHostname: 'intruder-laptop' });
};

describe('smc rd-sensor on a LAN of network namespaces', () => {
  let stateFile: string;
  let first: SensorProcess;
  let sensorId: string;

  it('finds every host that spoke, and the server tells managed from rogue', async () => {
    stateFile = path.join(work, 'sensor-state.json');
    const token = await enrollmentToken(server, 1, 3_600, 'rd-sensor');
    first = startSensor(stateFile, ['--enroll-token', token]);
    sensorId = (await first.waitFor(/watching br0 as sensor ([0-9a-f-]{36})/))[1] as string;
    const all = await untilListed(5, firstRun);
    const found = new Map(all.map((m) => [m.mac, m]));
    // The uplink to the server is another interface: --interface br0 leaves it out.
    expect([...found.keys()].sort()).toEqual(
      Object.values(hosts)
        .map((h) => h.mac)
        .sort(),
    );
    expect(found.get('00:16:3e:aa:00:01')).toMatchObject({
      judgement: 'managed',
      matchedBy: 'mac',
      agentId: byMac.id,
      source: 'neighbour-table',
      ip: hosts.managedMac?.address,
      vendor: 'Xensource, Inc.',
      sensorId,
    });
    expect(found.get('00:50:56:aa:00:05')).toMatchObject({
      judgement: 'managed',
      matchedBy: 'ip',
      agentId: byIp.id,
    });
    expect(found.get('00:1b:21:aa:00:02')).toMatchObject({
      judgement: 'managed',
      matchedBy: 'hostname',
      agentId: byName.id,
      source: 'dhcp',
      hostname: 'ws-managed-07',
      vendor: 'Intel Corporate',
    });
    expect(found.get('00:50:56:aa:00:03')).toMatchObject({
      judgement: 'rogue',
      matchedBy: null,
      agentId: null,
      ip: hosts.rogueArp?.address,
      vendor: 'VMware, Inc.',
    });
    expect(found.get('3c:22:fb:aa:00:04')).toMatchObject({
      judgement: 'rogue',
      source: 'dhcp',
      hostname: 'intruder-laptop',
      vendor: 'Apple, Inc.',
    });
    // The console's default list: the rogue ones only.
    const rogue = await rogueList('');
    expect(rogue.items.map((m) => m.mac).sort()).toEqual([
      '00:50:56:aa:00:03',
      '3c:22:fb:aa:00:04',
    ]);
    expect(rogue.total).toBe(2);
    const managed = await rogueList('judgement=managed');
    expect(managed.total).toBe(3);
  });

  it('reports each machine once while hosts keep speaking', async () => {
    // More rounds of the same traffic, then a new host: once the sensor reported the new one,
    // it has seen the old traffic again too (each round reads everything pending first).
    const mid = await lan.addHost('rogue-mid', '00:50:56:aa:00:07', 17);
    await untilListed(6, async () => {
      await firstRun();
      await speak(mid, 'arp');
    });
    await first.waitFor(/00:50:56:aa:00:07/);
    const macs = first.reportedMacs();
    expect(new Set(macs).size).toBe(macs.length);
    expect(macs).toHaveLength(6);
  });

  it('after a restart, with the same state file, sends only machines new since', async () => {
    expect(await stopSensor(first)).toBe(0);
    const late = await lan.addHost('rogue-late', '00:50:56:aa:00:06', 16);
    const second = startSensor(stateFile); // no token: the identity is in the state file
    const again = await second.waitFor(/watching br0 as sensor ([0-9a-f-]{36}) .*\((\d+) machine/);
    expect(again[1]).toBe(sensorId);
    expect(again[2]).toBe('6');
    await untilListed(7, async () => {
      await firstRun();
      await speak(late, 'arp');
    });
    await second.waitFor(/00:50:56:aa:00:06/);
    // The kernel still holds every old neighbour, and the hosts spoke again: only the new one went.
    expect(second.reportedMacs()).toEqual(['00:50:56:aa:00:06']);
    expect(await stopSensor(second)).toBe(0);
  });

  it("an admin's ignore and move-to-group take machines off the open rogue list", async () => {
    const ignore = await consoleCall(server, '/api/rogue-machines/00:50:56:aa:00:03', 'POST', {
      action: 'ignore',
    });
    expect(ignore.status).toBe(200);
    const move = await consoleCall(server, '/api/rogue-machines/3c:22:fb:aa:00:04', 'POST', {
      action: 'move-to-group',
      group: 'quarantine',
    });
    expect(move.status).toBe(200);
    const open = await rogueList('');
    expect(open.items.map((m) => m.mac).sort()).toEqual(['00:50:56:aa:00:06', '00:50:56:aa:00:07']);
    const moved = await rogueList('disposition=moved');
    expect(moved.items).toMatchObject([{ mac: '3c:22:fb:aa:00:04', group: 'quarantine' }]);
    const ignored = await rogueList('disposition=ignored');
    expect(ignored.items.map((m) => m.mac)).toEqual(['00:50:56:aa:00:03']);
  });

  it('refuses to start without a token when the state file holds no identity (exit 2, names the flag)', async () => {
    const sensor = startSensor(path.join(work, 'absent.json'));
    expect(await sensor.exited).toBe(2);
    expect(sensor.stderr.trim()).toMatch(/^smc: --enroll-token: /);
    expect(sensor.stderr.trim().split('\n')).toHaveLength(1);
  });
});
