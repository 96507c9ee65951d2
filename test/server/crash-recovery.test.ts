import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReadyFile, ReplicateResponse } from '../../protocol/index.js';
import { freePort } from '../../server/store/embedded-postgres.js';
import { SMC_BIN } from '../bin/run-cli.js';
import { httpsJson, TestAgent } from '../support/agent-client.js';
import { freshDatabase } from '../support/database.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

async function startServe(
  args: string[],
  readyFile: string,
): Promise<{ child: ChildProcess; ready: ReadyFile }> {
  const child = spawn(process.execPath, [SMC_BIN, 'serve', ...args, '--ready-file', readyFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  for (let i = 0; i < 200; i++) {
    try {
      const ready = JSON.parse(await readFile(readyFile, 'utf8')) as ReadyFile;
      if (ready.pid === child.pid) return { child, ready };
    } catch {}
    if (child.exitCode !== null) throw new Error(`smc serve exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`smc serve not ready: ${stderr}`);
}

/** An agent that keeps unacknowledged logs and resends them, as protocol v1 requires. */
class OutboxAgent {
  generated = 0;
  acked = 0;
  constructor(readonly agent: TestAgent) {}

  async step(newLogs: number): Promise<void> {
    this.generated += newLogs;
    const seqs = Array.from(
      { length: Math.min(this.generated - this.acked, 500) },
      (_, i) => this.acked + 1 + i,
    );
    try {
      const res = await this.agent.replicate<ReplicateResponse>(this.agent.body({ seqs }));
      if (res.status === 200) this.acked = Math.max(this.acked, res.body.ack.logsThrough);
    } catch {
      // Server gone mid-request: everything unacknowledged stays in the outbox.
    }
  }
}

describe('crash recovery', () => {
  it('loses no acknowledged log when the server is SIGKILLed mid-stream, and stores resends once', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'smc-crash-'));
    const databaseUrl = await freshDatabase('crash');
    const [agentPort, consolePort] = [await freePort(), await freePort()];
    const args = [
      '--data-dir',
      dataDir,
      '--database-url',
      databaseUrl,
      '--agent-port',
      String(agentPort),
      '--console-port',
      String(consolePort),
    ];
    const readyFile = path.join(dataDir, 'ready.json');
    let { child, ready } = await startServe(args, readyFile);
    const ca = await readFile(ready.caFile, 'utf8');
    const adminToken = (await readFile(ready.adminTokenFile, 'utf8')).trim();
    const token = await httpsJson<{ token: string }>(`${ready.consoleUrl}/api/enrollment-tokens`, {
      ca,
      token: adminToken,
      body: { uses: 20, ttlSeconds: 600 },
    });
    const agents = await Promise.all(
      Array.from(
        { length: 12 },
        async () => new OutboxAgent(await TestAgent.enroll(ready.agentUrl, ca, token.body.token)),
      ),
    );

    // Keep all agents replicating back to back while the server is killed and restarted.
    let running = true;
    const loops = agents.map(async (a) => {
      while (running) {
        await a.step(3);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    await new Promise((r) => setTimeout(r, 1_500));
    const ackedBeforeKill = agents.map((a) => a.acked);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, 300));
    ({ child, ready } = await startServe(args, readyFile));
    await new Promise((r) => setTimeout(r, 1_500));
    running = false;
    await Promise.all(loops);
    // Drain every outbox (bounded).
    for (let round = 0; round < 20 && agents.some((a) => a.acked < a.generated); round++) {
      await Promise.all(agents.map((a) => a.step(0)));
    }

    const check = await httpsJson<{ agents: { agentId: string; stored: number }[] }>(
      `${ready.consoleUrl}/api/log-audit`,
      {
        ca,
        token: adminToken,
        body: { agents: agents.map((a) => ({ agentId: a.agent.id, through: a.generated })) },
      },
    );
    for (const [i, a] of agents.entries()) {
      expect(ackedBeforeKill[i]).toBeGreaterThan(0);
      expect(a.acked).toBe(a.generated);
      expect(check.body.agents[i]?.stored).toBe(a.generated);
    }
    const { default: pg } = await import('pg');
    const db = new pg.Client(databaseUrl);
    await db.connect();
    const rows = await db.query(
      'SELECT agent_id, count(*)::int AS n, max(seq)::int AS top FROM logs GROUP BY agent_id',
    );
    await db.end();
    for (const row of rows.rows) {
      const a = agents.find((x) => x.agent.id === row.agent_id);
      expect(row.n).toBe(a?.generated);
      expect(row.top).toBe(a?.generated);
    }
    for (const a of agents) a.agent.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  });
});
