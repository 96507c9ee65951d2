import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logContentHash, type ReplicateResponse } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import { runSmcAsync } from '../../bin/run-cli.js';
import { TestAgent } from '../../support/agent-client.js';
import { enrollmentToken, testServer } from '../../support/server.js';

/**
 * An identity used again (a VM snapshot restored, a simulator's identity cache) restarts its
 * seqs: its new logs arrive under seqs the server holds with other content. They must not be
 * taken for resends (acknowledged, never stored), and `smc simulate --verify` must compare
 * content, so it sees a stored log that is not what was sent even when the count is right.
 */
let server: RunningServer;
let dir: string;

beforeAll(async () => {
  server = await testServer();
  dir = await mkdtemp(path.join(tmpdir(), 'smc-identity-reuse-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const rowsOf = async (agentId: string) =>
  (
    await server.pool.query<{ seq: number; content_hash: Buffer }>(
      'SELECT seq, content_hash FROM logs WHERE agent_id = $1 ORDER BY seq',
      [agentId],
    )
  ).rows;

describe('a restored snapshot of an agent', () => {
  it('gets resync instead of a false ack, and every log of both lives is stored', async () => {
    const original = await TestAgent.enroll(
      server.agentUrl,
      server.caCertPem,
      await enrollmentToken(server, 1),
    );
    const first = await original.replicate<ReplicateResponse>(original.body({ logs: 20 }));
    expect(first.body.ack.logsThrough).toBe(20);

    // The snapshot: same certificate, numbering from 1 again, other logs (another time).
    const restored = original.at(server.agentUrl);
    await new Promise((r) => setTimeout(r, 5));
    const clash = await restored.replicate<ReplicateResponse>(restored.body({ logs: 30 }));
    expect(clash.status).toBe(200);
    // Seqs 1..20 clash. Nothing of this replication is stored or acknowledged (21..30 were
    // free, but they go again with the rest, so none is stored twice).
    expect(clash.body.resync).toEqual({ nextSeq: 21, conflictSeq: 1 });
    expect(clash.body.ack.logsThrough).toBe(0);

    // A good agent numbers its unacknowledged logs again from nextSeq and resends them: the
    // same 30 logs (the same content), now at seqs 21..50.
    const sentAgain = restored
      .body({ seqs: Array.from({ length: 30 }, (_, i) => i + 1) })
      .logs.map((log) => ({ ...log, seq: log.seq + 20 }));
    const resent = await restored.replicate<ReplicateResponse>({
      ...restored.body(),
      logs: sentAgain,
    });
    expect(resent.body.ack.logsThrough).toBe(50);
    expect(resent.body.resync).toBeUndefined();

    const rows = await rowsOf(original.id);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // 1..20: the original's content, untouched; 21..50: the restored agent's 30 logs.
    const originalLogs = original.body({ seqs: Array.from({ length: 20 }, (_, i) => i + 1) }).logs;
    for (const log of originalLogs)
      expect(rows[log.seq - 1]?.content_hash.equals(logContentHash(log))).toBe(true);
    for (const log of sentAgain)
      expect(rows[log.seq - 1]?.content_hash.equals(logContentHash(log))).toBe(true);
    original.close();
    restored.close();
  });
});

describe('smc simulate with a reused identity cache (the built CLI)', () => {
  const run = async (label: string, extra: readonly string[]) => {
    const json = path.join(dir, `${label}.json`);
    const result = await runSmcAsync([
      'simulate',
      '--target',
      server.agentUrl,
      '--ca',
      path.join(dir, 'ca.pem'),
      '--console-url',
      server.consoleUrl,
      '--admin-token-file',
      path.join(dir, 'admin.token'),
      '--identities',
      path.join(dir, 'ids'),
      '--agents',
      '10',
      // Short runs on purpose (a few replications each): the gate is lost_logs, not volume.
      '--min-replications',
      '10',
      '--verify',
      '--threshold',
      'lost_logs==0',
      '--json',
      json,
      ...extra,
    ]);
    const written = JSON.parse(await readFile(json, 'utf8').catch(() => '{}')) as {
      meta?: { verify?: { logsAcknowledged: number; lost: number; contentMismatches?: number } };
    };
    return { ...result, verify: written.meta?.verify };
  };
  const storedTotal = async () =>
    (await server.pool.query('SELECT count(*)::int AS n FROM logs')).rows[0].n as number;

  it('loses nothing when the second run restarts its seqs, and --verify catches a planted mismatch', async () => {
    await writeFile(path.join(dir, 'ca.pem'), server.caCertPem);
    await writeFile(path.join(dir, 'admin.token'), server.adminToken);
    const before = await storedTotal();

    // Run 1: few logs per agent. Run 2 starts at seq 1 again with many more in its first
    // replication: past the server's position, where a resend would have been believed.
    const first = await run('first', [
      '--rate',
      '10/s',
      '--duration',
      '2s',
      '--logs-per-replication',
      '1',
    ]);
    expect(first.status, first.stderr).toBe(0);
    const second = await run('second', [
      '--rate',
      '10/s',
      '--duration',
      '2s',
      '--logs-per-replication',
      '30',
      '--seed',
      '2',
    ]);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/pass\s+lost_logs==0\s+\(actual 0\)/);
    const acknowledged =
      (first.verify?.logsAcknowledged ?? 0) + (second.verify?.logsAcknowledged ?? 0);
    console.log(
      `reuse: run 1 acknowledged ${first.verify?.logsAcknowledged}, run 2 ${second.verify?.logsAcknowledged}, stored ${(await storedTotal()) - before}`,
    );
    expect(second.verify?.logsAcknowledged).toBeGreaterThan(0);
    // Every acknowledged log of both runs has its own row, none twice.
    expect((await storedTotal()) - before).toBe(acknowledged);

    // Run 3: while it runs, one acknowledged log of this run is changed in the database. The
    // row count stays right; only the content check can see it.
    const startedAt = new Date();
    const third = run('third', ['--rate', '20/s', '--duration', '5s', '--seed', '3']);
    let planted: { agent_id: string; seq: number } | undefined;
    for (let i = 0; i < 40 && !planted; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const { rows } = await server.pool.query<{ agent_id: string; seq: number }>(
        `UPDATE logs l SET data = '{"planted":true}', content_hash = sha256('planted')
         FROM (SELECT l2.agent_id, l2.seq FROM logs l2 JOIN agent_state s USING (agent_id)
               WHERE l2.received_at >= $1 AND l2.seq <= s.logs_through - 1 LIMIT 1) pick
         WHERE l.agent_id = pick.agent_id AND l.seq = pick.seq RETURNING l.agent_id, l.seq`,
        [startedAt],
      );
      planted = rows[0];
    }
    expect(planted).toBeDefined();
    const outcome = await third;
    console.log(
      `planted ${JSON.stringify(planted)}: run 3 verify ${JSON.stringify(outcome.verify)}`,
    );
    expect(outcome.status).toBe(99);
    expect(outcome.stdout).toMatch(/FAIL\s+lost_logs==0\s+\(actual [1-9]/);
    expect(outcome.verify?.contentMismatches).toBeGreaterThanOrEqual(1);
    expect(outcome.verify?.lost).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
