import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { type RunningServer, startEmbeddedPostgres, startServer } from '../../server/index.js';

/**
 * The server the database benchmarks measure (console queries, deep pages, growth): `smc
 * serve`'s own code in this process on a fresh embedded PostgreSQL in a temporary folder, on
 * free loopback ports, no push broker; `stop()` takes all of it away again.
 */
export async function startDatabaseBenchServer(
  label: string,
): Promise<{ readonly server: RunningServer; stop(): Promise<void> }> {
  const folder = await mkdtemp(path.join(os.tmpdir(), `smc-bench-${label}-`));
  const database = await startEmbeddedPostgres({ dataDir: path.join(folder, 'pg') });
  const server = await startServer({
    dataDir: path.join(folder, 'server'),
    databaseUrl: database.url,
    agentPort: 0,
    consolePort: 0,
    push: false,
    intervalSeconds: 3_600,
  });
  return {
    server,
    async stop() {
      await server.close();
      await database.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/**
 * `count` computers with an agent state each, bulk-loaded with generate_series: ids are
 * md5(n) as uuid, host names host-N, a quarter on each of four agent versions, one in 40 with
 * protection 'warning', last seen spread over the past hour.
 */
export async function bulkLoadComputers(pool: pg.Pool, count: number): Promise<void> {
  await pool.query(
    `INSERT INTO computers (agent_id, hostname, os_family, os_name, os_version, agent_version,
       fingerprint, protection, modules_version, last_update, uptime_seconds)
     SELECT md5(n::text)::uuid, 'host-' || n, 'windows', 'Windows 11 Pro', '23H2',
       '11.' || (n % 4) || '.0', md5(n::text), CASE WHEN n % 40 = 0 THEN 'warning' ELSE 'ok' END,
       '2026.11.1', now(), 60
     FROM generate_series(1, $1) AS n`,
    [count],
  );
  await pool.query(
    `INSERT INTO agent_state (agent_id, logs_through, last_seen, replications)
     SELECT md5(n::text)::uuid, 0, now() - make_interval(secs => n % 3600), 1 FROM generate_series(1, $1) AS n`,
    [count],
  );
}
