import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestAgent as Agent, type TestAgent } from '../support/agent-client.js';
import { removeDataFolder, tempFolder } from '../support/data-folder.js';
import { runSmcAsync, SMC_BIN } from './run-cli.js';
import { type ServeProcess, startServeProcess } from './serve-process.js';

const servers: ServeProcess[] = [];
const children: ChildProcess[] = [];
let root = '';
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const server of servers) await server.stop();
  if (root) for (const folder of ['a', 'b']) await removeDataFolder(path.join(root, folder));
  if (root) await removeDataFolder(root);
});

/** Replicates without pause, resending everything not yet acknowledged, as an agent does. */
function keepReplicating(agent: TestAgent, state: { acked: number; stop: boolean }) {
  return (async () => {
    while (!state.stop) {
      agent.seq += 2;
      const seqs = Array.from({ length: agent.seq - state.acked }, (_, i) => state.acked + 1 + i);
      const res = await agent
        .replicate<{ ack: { logsThrough: number } }>(agent.body({ seqs }))
        .catch(() => undefined);
      if (res?.status === 200) state.acked = Math.max(state.acked, res.body.ack.logsThrough);
      else await new Promise((r) => setTimeout(r, 50));
    }
  })();
}

function waitFor(child: ChildProcess, text: () => string, pattern: RegExp, ms: number) {
  return new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (pattern.test(text())) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null || Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`never saw ${pattern}: ${text()}`));
      }
    }, 100);
  });
}

describe('smc admin backup and restore of a server under load', () => {
  it('restores into a new folder; the same agents replicate with no re-enrollment and lose nothing acknowledged before the backup', async () => {
    root = await tempFolder('smc-backup-');
    const dataA = path.join(root, 'a');
    const dataB = path.join(root, 'b');
    const archive = path.join(root, 'server.smc');
    const identities = path.join(root, 'ids');
    const source = await startServeProcess(
      ['--data-dir', dataA, '--agent-port', '0', '--console-port', '0', '--no-push'],
      path.join(root, 'ready-a.json'),
    );
    servers.push(source);
    const ca = await readFile(source.ready.caFile, 'utf8');
    const made = await runSmcAsync([
      'admin',
      'enrollment-token',
      '--data-dir',
      dataA,
      '--console-url',
      source.ready.consoleUrl,
      '--uses',
      '400',
    ]);
    expect(made.status, made.stderr).toBe(0);
    const token = made.stdout.trim();

    // Load: 300 simulated agents replicating in a child process, and 5 agents driven here
    // whose acknowledgements this test sees one by one.
    const simulate = spawn(
      process.execPath,
      [
        SMC_BIN,
        'simulate',
        '--target',
        source.ready.agentUrl,
        '--ca',
        source.ready.caFile,
        '--enroll-token',
        token,
        '--agents',
        '300',
        '--rate',
        '100/s',
        '--duration',
        '5m',
        '--identities',
        identities,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(simulate);
    let simulateErr = '';
    simulate.stderr?.on('data', (c: Buffer) => (simulateErr += c.toString()));
    const agents = await Promise.all(
      Array.from({ length: 5 }, () => Agent.enroll(source.ready.agentUrl, ca, token)),
    );
    const states = agents.map(() => ({ acked: 0, stop: false }));
    const loops = agents.map((agent, i) => keepReplicating(agent, states[i] as never));
    await waitFor(simulate, () => simulateErr, /identities: 0 reused, 300 enrolled/, 120_000);
    // The fleet has replicated for a while and every driven agent has been acknowledged.
    await waitFor(simulate, () => simulateErr, /\| run: [\d,]+ done/, 60_000);
    expect(states.every((s) => s.acked > 0)).toBe(true);

    // Acknowledged before the backup starts: committed before its snapshot, so in it.
    const ackedBefore = states.map((s) => s.acked);
    const backup = await runSmcAsync(
      ['admin', 'backup', '--data-dir', dataA, '--out', archive, '--json'],
      120_000,
    );
    expect(backup.status, backup.stderr).toBe(0);
    expect(backup.stderr).toMatch(/reading the running embedded PostgreSQL/);
    expect(backup.stderr).toMatch(/dumped public\.logs: [\d,]+ rows/);
    const written = JSON.parse(backup.stdout) as { file: string; rows: number; bytes: number };
    expect(written.file).toBe(archive);
    expect(written.rows).toBeGreaterThan(300);
    expect((await stat(archive)).mode & 0o777).toBe(0o600);
    // The load went on during the backup: the server acknowledged past the backup point.
    const during = states.map((s) => s.acked);
    for (const state of states) state.stop = true;
    await Promise.all(loops);
    for (const agent of agents) agent.close();
    simulate.kill('SIGINT');
    await new Promise((r) => simulate.on('close', r));
    expect(during.some((acked, i) => acked > (ackedBefore[i] as number))).toBe(true);
    await source.stop();
    // With the server stopped, backup starts the folder's PostgreSQL itself for the copy.
    const cold = await runSmcAsync(
      ['admin', 'backup', '--data-dir', dataA, '--out', path.join(root, 'cold.smc'), '--json'],
      120_000,
    );
    expect(cold.status, cold.stderr).toBe(0);
    expect(cold.stderr).toMatch(/starting the embedded PostgreSQL in .* for the copy/);
    expect((JSON.parse(cold.stdout) as { rows: number }).rows).toBeGreaterThan(written.rows);

    const restored = await runSmcAsync(
      ['admin', 'restore', '--archive', archive, '--data-dir', dataB],
      180_000,
    );
    expect(restored.status, restored.stderr).toBe(0);
    expect(restored.stderr).toMatch(/verified \d+ members \(SHA-256\)/);
    expect(await readFile(path.join(dataB, 'pki', 'ca.pem'), 'utf8')).toBe(ca);
    expect((await stat(path.join(dataB, 'pki', 'ca.key'))).mode & 0o777).toBe(0o600);

    const target = await startServeProcess(
      ['--data-dir', dataB, '--agent-port', '0', '--console-port', '0', '--no-push'],
      path.join(root, 'ready-b.json'),
    );
    servers.push(target);
    // Same CA: nothing about the server's identity changed for its agents.
    expect(await readFile(target.ready.caFile, 'utf8')).toBe(ca);
    for (const [i, agent] of agents.entries()) {
      const moved = agent.at(target.ready.agentUrl);
      const res = await moved.replicate<{ ack: { logsThrough: number } }>(moved.body({ seqs: [] }));
      expect(res.status).toBe(200);
      // logsThrough n: 1..n are stored; every log acknowledged before the backup is there.
      expect(res.body.ack.logsThrough).toBeGreaterThanOrEqual(ackedBefore[i] as number);
      // The agent goes on from what the old server acknowledged last, past the backup point:
      // the restored server takes that run (once), it does not stall on the gap.
      const next = (during[i] as number) + 1;
      const resumed = await moved.replicate<{ ack: { logsThrough: number } }>(
        moved.body({ seqs: [next, next + 1] }),
      );
      expect(resumed.body.ack.logsThrough).toBe(next + 1);
      moved.close();
    }
    // The simulated fleet on the restored server: no enrollment token, so a single agent it
    // did not know would fail to enroll; all 300 are reused and replicate.
    const json = path.join(root, 'after.json');
    const after = await runSmcAsync(
      [
        'simulate',
        '--target',
        target.ready.agentUrl,
        '--ca',
        target.ready.caFile,
        '--agents',
        '300',
        '--rate',
        '100/s',
        '--duration',
        '4s',
        '--timeout',
        '30s',
        '--identities',
        identities,
        '--min-replications',
        '50',
        '--json',
        json,
      ],
      120_000,
    );
    expect(after.status, after.stderr).toBe(0);
    expect(after.stderr).toMatch(/identities: 300 reused, 0 enrolled/);
    const report = JSON.parse(await readFile(json, 'utf8'));
    // Identity problems would be 401/403 (http_4xx) or TLS failures: none. A busy 2-core box
    // may shed or time out a few replications at the start; those are not identity failures.
    const outcomes = report.outcomes as Record<string, number>;
    expect(outcomes.http_4xx, JSON.stringify(outcomes)).toBe(0);
    expect(outcomes.tls_error, JSON.stringify(outcomes)).toBe(0);
    expect(outcomes.protocol_error, JSON.stringify(outcomes)).toBe(0);
    expect(report.derived.replications.ok).toBeGreaterThan(100);
  }, 600_000);
});
