import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadyFile } from '../../protocol/index.js';
import { httpsJson, TestAgent } from '../support/agent-client.js';
import { tempFolder } from '../support/data-folder.js';

/**
 * A newcomer's first contact, as root: the project in a folder only root may enter (like a
 * clone under /root, mode 0700), run with the README's commands. PostgreSQL then runs as the
 * `postgres` user, who can reach neither the project's node_modules nor a data folder in it.
 */
const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));
const isRoot = process.getuid?.() === 0;

let home: string;
let project: string;
let caches: string;
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];

beforeAll(async () => {
  home = await tempFolder('smc-first-contact-'); // 0700, like /root
  project = path.join(home, 'smc-kit');
  await mkdir(project);
  // The built checkout, as `git clone && npm install` leaves it (node_modules hard-linked: fast).
  await cp(path.join(CHECKOUT, 'package.json'), path.join(project, 'package.json'));
  await cp(path.join(CHECKOUT, 'dist'), path.join(project, 'dist'), { recursive: true });
  const linked = spawnSync('cp', ['-al', path.join(CHECKOUT, 'node_modules'), project]);
  expect(linked.status, String(linked.stderr)).toBe(0);
  // Root's binary cache and cluster home for this test only (the defaults under /var are
  // shared with every other smc on the machine; these are removed afterwards).
  caches = await mkdtemp('/var/tmp/smc-first-contact-');
  await chmod(caches, 0o755);
  env = {
    ...process.env,
    SMC_PG_BINARY_CACHE: path.join(caches, 'binaries'),
    SMC_PG_CLUSTER_HOME: path.join(caches, 'clusters'),
  };
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 1_000));
  await rm(home, { recursive: true, force: true });
  await rm(caches, { recursive: true, force: true });
});

function run(
  command: string,
  args: string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv },
) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { cwd: project, env: options.env ?? env });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('first contact as root in a folder only root may enter (built binary)', () => {
  it('npm start runs the rehearsal to a verdict', { timeout: 300_000 }, async () => {
    const started = Date.now();
    const reports = path.join(home, 'reports');
    const result = await run(
      'npm',
      [
        'start',
        '--',
        '--clients',
        '100',
        '--capacity-agents',
        '40',
        '--fleet-seconds',
        '4',
        '--report-dir',
        reports,
      ],
      { timeoutMs: 240_000 },
    );
    console.log(`npm start (100 clients): ${((Date.now() - started) / 1_000).toFixed(1)} s`);
    // A verdict (pass 0, or 99 when a busy test machine holds less), never a run error (1).
    expect([0, 99], result.stderr).toContain(result.status);
    expect(result.stdout).toMatch(/Rehearsal verdict: (PASS|MARGINAL|FAIL)/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    const verdict = JSON.parse(await readFile(path.join(reports, 'verdict.json'), 'utf8'));
    expect(verdict.plan.input.clients).toBe(100);
    if (isRoot) {
      // The binaries were copied where the postgres user can run them.
      expect(spawnSync('ls', [path.join(caches, 'binaries')], { encoding: 'utf8' }).stdout).toMatch(
        /-linux-|-darwin-/,
      );
    }
  });

  it('smc serve keeps its data folder inside it and serves agents', async () => {
    const dataDir = path.join(home, 'data');
    const readyFile = path.join(home, 'ready.json');
    const child = spawn(
      process.execPath,
      [
        'dist/bin/smc.js',
        'serve',
        '--data-dir',
        dataDir,
        '--agent-port',
        '0',
        '--console-port',
        '0',
        '--ready-file',
        readyFile,
      ],
      { cwd: project, env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    let ready: ReadyFile | undefined;
    for (let i = 0; i < 600 && !ready; i++) {
      ready = await readFile(readyFile, 'utf8').then(
        (t) => JSON.parse(t) as ReadyFile,
        () => undefined,
      );
      if (child.exitCode !== null) throw new Error(`smc serve exited: ${stderr}`);
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    if (!ready) throw new Error(`not ready: ${stderr}`);
    if (isRoot)
      expect(stderr).toMatch(/cannot traverse .*smc-first-contact-.*: the cluster lives in/);
    const ca = await readFile(ready.caFile, 'utf8');
    const adminToken = (await readFile(ready.adminTokenFile, 'utf8')).trim();
    const token = await httpsJson<{ token: string }>(`${ready.consoleUrl}/api/enrollment-tokens`, {
      ca,
      token: adminToken,
      body: { uses: 1, ttlSeconds: 600 },
    });
    const agent = await TestAgent.enroll(ready.agentUrl, ca, token.body.token);
    const replicated = await agent.replicate<{ ack: { logsThrough: number } }>(
      agent.body({ seqs: [1, 2, 3] }),
    );
    expect(replicated.status).toBe(200);
    expect(replicated.body.ack.logsThrough).toBe(3);
    agent.close();
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it.runIf(isRoot)(
    'a database that cannot start is one line naming what failed, exit 1',
    async () => {
      const result = await run(
        process.execPath,
        [
          'dist/bin/smc.js',
          'serve',
          '--data-dir',
          path.join(home, 'other'),
          '--agent-port',
          '0',
          '--console-port',
          '0',
        ],
        { timeoutMs: 90_000, env: { ...env, SMC_PG_BINARY_CACHE: '/proc/smc-cannot-write-here' } },
      );
      expect(result.status).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(
        /^smc: embedded PostgreSQL: could not copy its binaries to \/proc\/smc-cannot-write-here\/.*; pass --database-url/,
      );
      expect(result.stderr).not.toMatch(/^\s+at /m);
    },
    120_000,
  );
});
