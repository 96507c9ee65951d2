import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import https from 'node:https';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadyFile } from '../../protocol/index.js';
import { eventually } from '../server/mdm/connector-support.js';
import { TestDevice } from '../server/mdm/test-device.js';
import { httpsJson } from '../support/agent-client.js';
import { runSmc, runSmcAsync, SMC_BIN } from './run-cli.js';
import { startServe } from './serve-child.js';

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('smc serve checks its flags before PostgreSQL and the CA', () => {
  let busy: Server;
  let busyPort: number;
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'smc-serve-preflight-'));
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    busyPort = (busy.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => busy.close(r));
    await rm(work, { recursive: true, force: true });
  });

  it.each([
    [
      () => ['--agent-port', String(busyPort)],
      1,
      /^smc: --agent-port: 127\.0\.0\.1:\d+ is already in use/,
    ],
    [
      () => ['--console-port', String(busyPort)],
      1,
      /^smc: --console-port: 127\.0\.0\.1:\d+ is already in use/,
    ],
    [() => ['--host', 'not a host'], 2, /^smc: --host: must be an IP address or a host name/],
    [
      () => ['--host', 'no-such-host.invalid'],
      2,
      /^smc: --host: no-such-host\.invalid does not resolve/,
    ],
    [
      () => ['--host', '203.0.113.9'],
      2,
      /^smc: --host: 203\.0\.113\.9 is not an address of this machine/,
    ],
    [() => ['--database-url', 'base'], 2, /^smc: --database-url: must be a URL such as postgres:/],
    [
      () => ['--database-url', 'mysql://db/x'],
      2,
      /^smc: --database-url: must start with postgres:\/\//,
    ],
    [
      () => ['--database-url', 'postgres://smc:secret@no-such-db.invalid/smc'],
      1,
      /^smc: --database-url: the database host no-such-db\.invalid does not resolve/,
    ],
    [
      () => ['--agent-port', '4567', '--console-port', '4567'],
      2,
      /^smc: --console-port: 4567 is also --agent-port/,
    ],
  ])('refuses %#: one line, its exit code, no data folder made', (args, code, message) => {
    const dataDir = path.join(work, `data-${Math.random().toString(36).slice(2)}`);
    const result = runSmc(
      ['serve', '--data-dir', dataDir, '--agent-port', '0', '--console-port', '0', ...args()],
      {
        timeoutMs: 20_000,
      },
    );
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.status).toBe(code);
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('smc serve (built binary)', () => {
  it('writes the ready file, serves with a CA that verifies, makes tokens, and stops cleanly on SIGTERM', async () => {
    const {
      dir,
      child,
      ready: found,
      stderr,
    } = await startServe('serve', ['--hostname', 'smc.example.test']);
    const ready = found as ReadyFile;
    expect(found, stderr()).toBeDefined();
    expect(ready.pid).toBe(child.pid);
    expect((await stat(ready.adminTokenFile)).mode & 0o777).toBe(0o600);

    // The CA file verifies the server certificate on the listen address (curl --cacert works).
    const ca = await readFile(ready.caFile, 'utf8');
    const health = await get(`${ready.consoleUrl}/healthz`, ca);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ ok: true, database: { ok: true } });
    expect((await get(`${ready.consoleUrl}/api/stats`, ca)).status).toBe(401);

    const token = runSmc([
      'admin',
      'enrollment-token',
      '--data-dir',
      path.join(dir, 'data'),
      '--console-url',
      ready.consoleUrl,
      '--uses',
      '3',
      '--ttl',
      '10m',
      '--json',
    ]);
    expect(token.stderr).toBe('');
    expect(JSON.parse(token.stdout)).toMatchObject({
      uses: 3,
      token: expect.stringMatching(/^smc_/),
    });

    // Without --json only the token is on stdout, so a shell can capture it; the rest is
    // for the person at the terminal, on stderr.
    const captured = spawnSync(
      'bash',
      [
        '-c',
        'T=$("$NODE" "$SMC" admin enrollment-token --data-dir "$DATA" --console-url "$URL") && printf "%s" "$T"',
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          NODE: process.execPath,
          SMC: SMC_BIN,
          DATA: path.join(dir, 'data'),
          URL: ready.consoleUrl,
        },
      },
    );
    expect(captured.status, captured.stderr).toBe(0);
    expect(captured.stdout).toMatch(/^smc_\S+$/);
    expect(captured.stderr).toMatch(/^smc admin enrollment-token: uses 1, expires 20/);

    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    expect(stderr()).toMatch(/SIGTERM: finishing in-flight replications/);
  });

  it('logs pino JSON (levels, --log-requests) and serves the operator gauges on a public /metrics', async () => {
    const { child, ready, stderr } = await startServe('serve_logs', [
      '--log-requests',
      '--log-level',
      'info',
    ]);
    try {
      expect(ready, stderr()).toBeDefined();
      const { consoleUrl, caFile } = ready as ReadyFile;
      const ca = await readFile(caFile, 'utf8');
      // /metrics is public by design (README: counts and timings, no data), like /healthz.
      const metrics = await get(`${consoleUrl}/metrics`, ca);
      expect(metrics.status).toBe(200);
      for (const name of [
        'smc_group_commit_queue_depth',
        'smc_group_commit_last_batch_seconds',
        'smc_adaptive_interval_seconds 600',
        'smc_adaptive_interval_stretch 1',
        'smc_ingest_utilisation',
        'smc_agents_seen_within_interval 0',
        'smc_connections_open{listener="agent"}',
        'smc_group_commit_seconds_bucket',
      ])
        expect(metrics.body).toContain(name);
      expect((await get(`${consoleUrl}/api/stats`, ca)).status).toBe(401);
      const lines = await eventually('request lines logged', async () => {
        const json = stderr()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        // Both requests' lines: the /metrics 200 and the /api/stats 401 (written as answered).
        return json.some(
          (l) =>
            l.msg === 'request completed' &&
            (l.res as { statusCode?: number } | undefined)?.statusCode === 401,
        )
          ? json
          : undefined;
      });
      const done = lines.filter((l) => l.msg === 'request completed');
      expect(done[0]).toMatchObject({ level: 'info', service: 'smc-server', listener: 'console' });
      expect(done.some((l) => (l.res as { statusCode?: number })?.statusCode === 401)).toBe(true);
      expect(lines.every((l) => typeof l.time === 'string')).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    expect(runSmc(['serve', '--log-level', 'chatty']).stderr).toMatch(/--log-level/);
  });

  it('runs the connector inside the server with --with-mdm: a phone enrolls and is listed', async () => {
    const { dir, child, ready, stderr } = await startServe('serve_mdm', [
      '--with-mdm',
      '--mdm-enroll-port',
      '0',
      '--mdm-device-port',
      '0',
    ]);
    try {
      expect(ready?.mdm, stderr()).toBeDefined();
      const mdm = ready?.mdm as NonNullable<ReadyFile['mdm']>;
      const made = await runSmcAsync([
        'admin',
        'mdm-token',
        '--data-dir',
        path.join(dir, 'data', 'mdm'),
        '--enroll-url',
        mdm.enrollUrl,
        '--json',
      ]);
      expect(made.status, made.stderr).toBe(0);
      const caCertPem = await readFile(mdm.caFile, 'utf8');
      const device = await TestDevice.enroll(
        { ...mdm, caCertPem },
        (JSON.parse(made.stdout) as { token: string }).token,
      );
      await device.checkIn();

      // The embedded connector is an agent of its own server, which lists the phone.
      const serverCa = await readFile((ready as ReadyFile).caFile, 'utf8');
      const adminToken = (await readFile((ready as ReadyFile).adminTokenFile, 'utf8')).trim();
      const listed = await eventually('phone listed on the server console', async () => {
        const res = await httpsJson<{ device: { deviceId: string } }>(
          `${(ready as ReadyFile).consoleUrl}/api/mobile-devices/${device.id}`,
          { ca: serverCa, token: adminToken },
        );
        return res.status === 200 ? res.body : undefined;
      });
      expect(listed.device.deviceId).toBe(device.id);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise((r) => child.once('exit', r));
    expect(code, stderr()).toBe(0);
    expect(stderr()).toMatch(/smc serve: mdm: enrolled with the management server/);
  });

  it('rejects bad flags with exit 2', () => {
    expect(runSmc(['serve', '--agent-port', 'http'])).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/--agent-port/),
    });
    expect(runSmc(['serve', '--interval', 'soon'])).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/--interval/),
    });
    expect(runSmc(['admin', 'enrollment-token', '--uses', '0'])).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/--uses/),
    });
    const noServer = runSmc(['admin', 'enrollment-token', '--data-dir', '/nonexistent-smc']);
    expect(noServer.status).toBe(1);
    expect(noServer.stderr).toMatch(/cannot read the admin token/);
  });
});
