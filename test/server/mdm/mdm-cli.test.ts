import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MdmReadyFile } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import { runSmcAsync, SMC_BIN } from '../../bin/run-cli.js';
import { httpsJson } from '../../support/agent-client.js';
import { removeDataFolder } from '../../support/data-folder.js';
import { consoleCall, testServer } from '../../support/server.js';
import { eventually } from './connector-support.js';
import { TestDevice } from './test-device.js';

let server: RunningServer;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await testServer();
  dir = await mkdtemp(path.join(tmpdir(), 'smc-mdm-cli-'));
  // Its own embedded PostgreSQL: the kill -9 below leaves that postmaster to the watchdog
  // and the restart (same folder) must bring it back by itself.
  await chmod(dir, 0o711);
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await server?.close();
  await new Promise((r) => setTimeout(r, 1_000));
  await removeDataFolder(dir, ['data/pg']);
});

/** `smc mdm` as a child process of the built binary; resolves once its ready file is written. */
async function startMdm() {
  const readyFile = path.join(dir, 'ready.json');
  await rm(readyFile, { force: true });
  const child = spawn(
    process.execPath,
    [
      SMC_BIN,
      'mdm',
      '--data-dir',
      path.join(dir, 'data'),
      '--enroll-port',
      '0',
      '--device-port',
      '0',
      '--server-url',
      server.agentUrl,
      '--server-ca',
      server.caFile,
      '--server-console-url',
      server.consoleUrl,
      '--server-admin-token-file',
      server.adminTokenFile,
      '--relay-interval',
      '1s',
      '--ready-file',
      readyFile,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const ready = await eventually(
    'ready file',
    () =>
      readFile(readyFile, 'utf8').then(
        (t) => JSON.parse(t) as MdmReadyFile,
        () => undefined,
      ),
    300,
    100,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${stderr}`);
  });
  const caCertPem = await readFile(ready.caFile, 'utf8');
  const adminToken = (await readFile(ready.adminTokenFile, 'utf8')).trim();
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, ready, caCertPem, adminToken, exited, stderr: () => stderr };
}

describe('smc mdm (built binary)', () => {
  it('survives kill -9 with a command queued for a device, and stops cleanly on SIGTERM', async () => {
    const first = await startMdm();
    const connector = { ...first.ready, caCertPem: first.caCertPem };
    // The token comes from the CLI, as an operator makes it.
    const made = await runSmcAsync([
      'admin',
      'mdm-token',
      '--data-dir',
      path.join(dir, 'data'),
      '--enroll-url',
      first.ready.enrollUrl,
      '--uses',
      '1',
      '--json',
    ]);
    expect(made.status).toBe(0);
    const token = (JSON.parse(made.stdout) as { token: string; uses: number }).token;
    let device = await TestDevice.enroll(connector, token);
    // One use only: the next phone is refused, naming the token.
    expect((await TestDevice.tryEnroll(connector, token)).status).toBe(403);
    await device.checkIn();
    await eventually('device listed on the server', async () => {
      const res = await consoleCall(server, `/api/mobile-devices/${device.id}`);
      return res.status === 200 ? true : undefined;
    });
    const created = await consoleCall<{ taskId: string }>(
      server,
      `/api/mobile-devices/${device.id}/commands`,
      'POST',
      { command: 'send-message', params: { message: 'hello' } },
    );
    expect(created.status).toBe(200);
    // Wait until the connector holds the command, then kill it without warning.
    await eventually('command queued on the connector', async () => {
      const stats = await httpsJson<{ commands: { pending: number } }>(
        `${connector.enrollUrl}/api/stats`,
        { ca: connector.caCertPem, token: first.adminToken },
      );
      return stats.body.commands.pending === 1 ? true : undefined;
    });
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startMdm();
    expect(second.ready.relayAgentId).toBe(first.ready.relayAgentId);
    device = device.at(second.ready.deviceUrl);
    await eventually('command delivered after the crash', async () => {
      await device.checkIn();
      return device.received.length > 0 ? true : undefined;
    });
    await device.checkIn();
    await eventually('result on the server', async () => {
      const res = await consoleCall<{ done: number }>(server, `/api/tasks/${created.body.taskId}`);
      return res.body.done === 1 ? true : undefined;
    });
    expect(device.received.map((c) => c.type)).toEqual(['send-message']);
    expect(device.received[0]?.params).toEqual({ message: 'hello' });

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.stderr()).toMatch(/stopped/);
  });
});
