import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCa } from '../../../benchmarks/lib/test-ca.js';
import type { RunningServer } from '../../../server/app.js';
import type { RunningConnector } from '../../../server/mdm/connector.js';
import { runSmc, runSmcAsync } from '../../bin/run-cli.js';
import { mdmToken, testConnector } from '../../server/mdm/connector-support.js';
import { consoleCall, enrollmentToken, testServer } from '../../support/server.js';

let dir: string;
let caFile: string;
let notCaFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'smc-sim-devices-'));
  caFile = path.join(dir, 'ca.pem');
  await writeFile(caFile, (await TestCa.create()).certPem);
  notCaFile = path.join(dir, 'not-a-ca.pem');
  await writeFile(notCaFile, 'not a certificate\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mdm = (ca: string) => [
  '--devices',
  '5',
  '--mdm-target',
  'https://127.0.0.1:9981',
  '--mdm-enroll-url',
  'https://127.0.0.1:9980',
  '--mdm-ca',
  ca,
  '--mdm-enroll-token',
  'token-123456',
];

describe('smc simulate --devices: flags are checked before anything runs', () => {
  const cases: [string, string[]][] = [
    ['--devices', ['--devices', 'many', ...mdm('x').slice(2)]],
    ['--devices', ['--devices', '0', ...mdm('x').slice(2)]],
    ['--mdm-target', ['--devices', '5']],
    ['--mdm-enroll-url', mdm('x').filter((_, i) => i !== 4 && i !== 5)],
    ['--mdm-target', [...mdm('x').slice(0, 3), 'http://127.0.0.1:9981', ...mdm('x').slice(4)]],
    ['--mdm-ca', mdm(path.join('/nonexistent', 'ca.pem'))],
    ['--mdm-ca', mdm('NOT_CA')],
    ['--android-ratio', [...mdm('CA'), '--android-ratio', '1.5']],
    ['--device-interval', [...mdm('CA'), '--device-interval', 'soon']],
    ['--mdm-enroll-token', [...mdm('CA').slice(0, -1), 'short']],
    ['--mdm-target', ['--target', 'https://127.0.0.1:2222', '--mdm-target', 'https://h:9981']],
    ['--rate', [...mdm('CA'), '--rate', '100/s']],
    ['--shard', [...mdm('CA'), '--shard', '1/2']],
  ];
  it.each(cases)('exit 2 naming %s', (flag, args) => {
    const withCa = args.map((a) => (a === 'CA' ? caFile : a === 'NOT_CA' ? notCaFile : a));
    const result = runSmc(['simulate', ...withCa]);
    expect(result.stderr).toContain(`smc: ${flag}:`);
    expect(result.status).toBe(2);
  });
});

describe('smc simulate --devices against a real connector', () => {
  let server: RunningServer;
  let connector: RunningConnector;
  beforeAll(async () => {
    server = await testServer();
    // Devices follow the connector's interval: 1 s keeps these runs short.
    connector = await testConnector(server, { checkInIntervalSeconds: 1 });
  });
  afterAll(async () => {
    await connector?.close();
    await server?.close();
  });

  it('runs devices alone, reports their check-ins, and writes them into the JSON result', async () => {
    const realCa = path.join(dir, 'mdm-ca.pem');
    await writeFile(realCa, connector.caCertPem);
    const json = path.join(dir, 'devices.json');
    const result = await runSmcAsync([
      'simulate',
      '--devices',
      '10',
      '--mdm-target',
      connector.deviceUrl,
      '--mdm-enroll-url',
      connector.enrollUrl,
      '--mdm-ca',
      realCa,
      '--mdm-enroll-token',
      await mdmToken(connector, 10),
      '--device-interval',
      '1s',
      '--android-ratio',
      '50%',
      '--duration',
      '3s',
      '--threshold',
      'errors<1%',
      // ~30 check-ins: a gate on fewer than the default 100 fails (not enough data).
      '--min-replications',
      '10',
      '--json',
      json,
    ]);
    expect(result.stderr).toContain('enrolled 10/10 devices');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/devices: 10 \(\d+ Android, \d+ iOS\)/);
    const written = JSON.parse(await readFile(json, 'utf8'));
    expect(written.meta.agents).toBe(0);
    const devices = written.meta.options.devices;
    expect(devices.devices.count).toBe(10);
    expect(devices.checkIns.failed).toBe(0);
    expect(devices.checkIns.ok).toBeGreaterThanOrEqual(10);
    const listed = await consoleCall<{ total: number }>(server, '/api/mobile-devices');
    expect(listed.status).toBe(200);
  });

  it('runs devices beside agents in one process, one recorder and one report', async () => {
    const mdmCa = path.join(dir, 'mdm-ca-2.pem');
    const serverCa = path.join(dir, 'server-ca.pem');
    await writeFile(mdmCa, connector.caCertPem);
    await writeFile(serverCa, server.caCertPem);
    const json = path.join(dir, 'both.json');
    const result = await runSmcAsync([
      'simulate',
      '--target',
      server.agentUrl,
      '--ca',
      serverCa,
      '--enroll-token',
      await enrollmentToken(server, 5),
      '--agents',
      '5',
      '--rate',
      '5/s',
      ...[
        '--devices',
        '5',
        '--mdm-target',
        connector.deviceUrl,
        '--mdm-enroll-url',
        connector.enrollUrl,
        '--mdm-ca',
        mdmCa,
        '--mdm-enroll-token',
        await mdmToken(connector, 5),
      ],
      '--device-interval',
      '1s',
      '--duration',
      '3s',
      '--json',
      json,
    ]);
    expect(result.stderr).toContain('enrolled 5/5 devices');
    expect(result.status).toBe(0);
    const written = JSON.parse(await readFile(json, 'utf8'));
    expect(written.meta.agents).toBe(5);
    const devices = written.meta.options.devices;
    expect(devices.checkIns.failed).toBe(0);
    // Agents' replications and devices' check-ins land in the same totals.
    expect(written.outcomes.ok).toBeGreaterThan(devices.checkIns.ok);
  });
});
