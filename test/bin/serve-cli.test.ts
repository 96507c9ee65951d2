import { readFile, stat } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReadyFile } from '../../protocol/index.js';
import { eventually } from '../server/mdm/connector-support.js';
import { TestDevice } from '../server/mdm/test-device.js';
import { httpsJson } from '../support/agent-client.js';
import { runSmc, runSmcAsync } from './run-cli.js';
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

    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    expect(stderr()).toMatch(/SIGTERM: finishing in-flight replications/);
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
