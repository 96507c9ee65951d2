import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReadyFile } from '../../protocol/index.js';
import { freePort } from '../../server/store/embedded-postgres.js';
import { httpsJson } from '../support/agent-client.js';
import { removeDataFolder, tempFolder } from '../support/data-folder.js';
import { SMC_BIN } from './run-cli.js';

const children: ChildProcess[] = [];
const folders: string[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  // The watchdog stops a killed server's PostgreSQL within a second or so: let it finish.
  await new Promise((r) => setTimeout(r, 2_000));
  for (const folder of folders) await removeDataFolder(folder, ['data/pg']);
});

/** `smc serve` on the embedded PostgreSQL; resolves with its ready file and the start time. */
async function startServe(args: string[], readyFile: string) {
  await rm(readyFile, { force: true });
  const started = Date.now();
  const child = spawn(process.execPath, [SMC_BIN, 'serve', ...args, '--ready-file', readyFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  for (let i = 0; i < 600; i++) {
    const ready = await readFile(readyFile, 'utf8').then(
      (text) => JSON.parse(text) as ReadyFile,
      () => undefined,
    );
    if (ready && ready.pid === child.pid)
      return { child, ready, ms: Date.now() - started, stderr: () => stderr };
    if (child.exitCode !== null) throw new Error(`smc serve exited ${child.exitCode}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`smc serve not ready: ${stderr}`);
}

describe('smc serve on its embedded PostgreSQL after SIGKILL (built binary)', () => {
  it('comes back by itself on the same folder and ports, three times, losing no acknowledged log', async () => {
    const folder = await tempFolder('smc-crash-restart-');
    folders.push(folder);
    await chmod(folder, 0o711);
    const dataDir = path.join(folder, 'data');
    const readyFile = path.join(folder, 'ready.json');
    const [agentPort, consolePort] = [await freePort(), await freePort()];
    // The server owns the pace: it tells agents to come back every 2 s.
    const args = [
      '--data-dir',
      dataDir,
      '--agent-port',
      String(agentPort),
      '--console-port',
      String(consolePort),
      '--interval',
      '2s',
    ];
    let serve = await startServe(args, readyFile);
    const { ready } = serve;
    const ca = await readFile(ready.caFile, 'utf8');
    const adminToken = (await readFile(ready.adminTokenFile, 'utf8')).trim();
    const token = await httpsJson<{ token: string }>(`${ready.consoleUrl}/api/enrollment-tokens`, {
      ca,
      token: adminToken,
      body: { uses: 40, ttlSeconds: 600 },
    });
    expect(token.status).toBe(200);

    // 40 agents replicating every 2 s for 40 s while the server dies three times.
    const json = path.join(folder, 'run.json');
    const simulate = spawn(
      process.execPath,
      [
        SMC_BIN,
        'simulate',
        '--target',
        ready.agentUrl,
        '--ca',
        ready.caFile,
        '--enroll-token',
        token.body.token,
        '--agents',
        '40',
        '--interval',
        '2s',
        '--duration',
        '40s',
        '--timeout',
        '3s',
        '--verify',
        '--console-url',
        ready.consoleUrl,
        '--admin-token-file',
        ready.adminTokenFile,
        '--json',
        json,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(simulate);
    let simulateOutput = '';
    simulate.stdout?.on('data', (c: Buffer) => (simulateOutput += c.toString()));
    simulate.stderr?.on('data', (c: Buffer) => (simulateOutput += c.toString()));
    const simulated = new Promise<number | null>((resolve) => simulate.once('exit', resolve));

    const restartMs: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      await new Promise((r) => setTimeout(r, 8_000));
      const exited = new Promise((r) => serve.child.once('exit', r));
      serve.child.kill('SIGKILL');
      await exited;
      // Restarted at once, as systemd's Restart= would: the orphaned postmaster may still run.
      serve = await startServe(args, readyFile);
      restartMs.push(serve.ms);
      expect(serve.ready.agentUrl).toBe(ready.agentUrl);
    }
    console.info(`restart after SIGKILL: ${restartMs.map((ms) => `${ms} ms`).join(', ')}`);

    expect(await simulated, simulateOutput).toBe(0);
    const run = JSON.parse(await readFile(json, 'utf8')) as {
      meta: { verify: { logsAcknowledged: number; lost: number } };
    };
    expect(run.meta.verify.lost).toBe(0);
    expect(run.meta.verify.logsAcknowledged).toBeGreaterThan(1_000);

    const stopped = new Promise<number | null>((r) => serve.child.once('exit', r));
    serve.child.kill('SIGTERM');
    expect(await stopped).toBe(0);
  });
});

/** Children of `pid` (from /proc), with their own children: a server and its PostgreSQL. */
function descendants(pid: number): number[] {
  const result = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,stat='], { encoding: 'utf8' });
  const rows = result.stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, , stat]) => !stat?.startsWith('Z'))
    .map(([p, pp]) => [Number(p), Number(pp)] as const);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, of] of rows) {
      if (of === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

function running(pid: number): boolean {
  const stat = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], {
    encoding: 'utf8',
  }).stdout.trim();
  return stat !== '' && !stat.startsWith('Z');
}

describe('smc rehearse killed by SIGKILL (built binary)', () => {
  it("takes its server and that server's PostgreSQL down with it", async () => {
    const reportDir = await tempFolder('smc-crash-rehearse-');
    folders.push(reportDir);
    const rehearse = spawn(
      process.execPath,
      [
        SMC_BIN,
        'rehearse',
        '--clients',
        '60',
        '--capacity-agents',
        '40',
        '--report-dir',
        reportDir,
        '--hold',
        '120s',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(rehearse);
    let output = '';
    const live = new Promise<void>((resolve) => {
      const seen = (c: Buffer) => {
        output += c.toString();
        if (output.includes('watch it live')) resolve();
      };
      rehearse.stdout?.on('data', seen);
      rehearse.stderr?.on('data', seen);
    });
    await live;
    const below = descendants(rehearse.pid as number);
    // smc serve, its PostgreSQL (postmaster and its workers) and the watchdog.
    expect(below.length, output).toBeGreaterThanOrEqual(3);
    rehearse.kill('SIGKILL');
    const deadline = Date.now() + 30_000;
    while (below.some(running) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(below.filter(running), output).toEqual([]);
  });
});
