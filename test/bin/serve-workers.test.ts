import { once } from 'node:events';
import { readdir, readFile, readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSmc, runSmcAsync } from './run-cli.js';
import { startServe } from './serve-child.js';

/*
 * `smc serve --workers 2` as an operator runs it (built binary, a real database): two
 * agent-plane processes share the port and the fleet, one dies mid-run (SIGKILL) and is
 * started again, and no acknowledged log is lost.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function socketsOf(pid: number): Promise<number> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
  let sockets = 0;
  for (const fd of fds) {
    if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')).startsWith('socket:')) sockets++;
  }
  return sockets;
}

let cleanup: (() => Promise<void>) | undefined;
afterAll(async () => cleanup?.());

describe('smc serve --workers (built binary)', () => {
  it('splits the fleet over the workers, survives a SIGKILLed worker and loses nothing', async () => {
    const serve = await startServe('workers', ['--workers', '2', '--interval', '4s', '--no-push']);
    cleanup = async () => {
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
      await rm(serve.dir, { recursive: true, force: true });
    };
    expect(serve.ready, serve.stderr()).toBeDefined();
    const ready = serve.ready as NonNullable<typeof serve.ready>;
    expect(ready.workers).toHaveLength(2);
    const [first, second] = ready.workers as [number, number];
    expect(ready.pid).not.toBe(first);

    const tokenFile = path.join(serve.dir, 'data', 'pki', 'admin.token');
    const token = runSmc([
      'admin',
      'enrollment-token',
      '--uses',
      '300',
      '--data-dir',
      path.join(serve.dir, 'data'),
      '--console-url',
      ready.consoleUrl,
    ]);
    expect(token.status, token.stderr).toBe(0);
    const simulate = runSmcAsync(
      [
        'simulate',
        '--target',
        ready.agentUrl,
        '--ca',
        ready.caFile,
        '--enroll-token',
        token.stdout.trim(),
        '--agents',
        '300',
        '--interval',
        '4s',
        '--duration',
        '40s',
        '--verify',
        '--console-url',
        ready.consoleUrl,
        '--admin-token-file',
        tokenFile,
        '--json',
        path.join(serve.dir, 'run.json'),
      ],
      180_000,
    );

    // Both workers hold agent sessions (the primary hands connections out in turn).
    let held: [number, number] = [0, 0];
    for (let i = 0; i < 300 && (held[0] < 50 || held[1] < 50); i++) {
      await sleep(100);
      held = [await socketsOf(first), await socketsOf(second)];
    }
    expect(held[0]).toBeGreaterThanOrEqual(50);
    expect(held[1]).toBeGreaterThanOrEqual(50);

    process.kill(second, 'SIGKILL');
    for (let i = 0; i < 300 && !/worker 2 is back/.test(serve.stderr()); i++) await sleep(100);
    expect(serve.stderr()).toMatch(/worker 2 \(pid \d+\) died \(SIGKILL\)/);
    expect(serve.stderr()).toMatch(/worker 2 is back \(pid \d+\)/);

    const run = await simulate;
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(await readFile(path.join(serve.dir, 'run.json'), 'utf8'));
    expect(result.meta.verify.lost).toBe(0);
    expect(result.meta.verify.logsAcknowledged).toBeGreaterThan(1_000);

    // SIGTERM to the primary stops every worker; nothing is left running.
    const exited = once(serve.child, 'exit');
    serve.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(serve.stderr()).toMatch(/stopped \(1 worker restarts\)/);
    for (const pid of [first, second]) {
      expect(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => 'gone')).toBe('gone');
    }
  }, 240_000);

  it('refuses --workers with --with-mdm, and a bad count, naming the flag', () => {
    const mdm = runSmc(['serve', '--workers', '2', '--with-mdm']);
    expect(mdm.status).toBe(2);
    expect(mdm.stderr).toMatch(/--workers: runs without --with-mdm/);
    const bad = runSmc(['serve', '--workers', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--workers/);
  });
});
