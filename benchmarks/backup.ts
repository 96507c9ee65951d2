/**
 * npm run bench:backup [-- --computers N --logs-per-computer M --out FILE] — how long
 * `smc admin backup` and `smc admin restore` take, and how big the archive is, for the guide's
 * test database (20,000 computers with 30 logs each by default).
 *
 * An embedded PostgreSQL (fsync on) in a temporary folder holds the source database, filled
 * in-database (computers, inventories, agent states, logs 1..M per computer, as a deployment
 * in steady use has them) and a server PKI. Then the built CLI runs as an operator runs it, a
 * child process each: backup (--database-url) to an archive, restore into a second, empty
 * database on the same cluster. Row counts of every table are compared after the restore, so
 * a run that restored less fails instead of reporting a fast time. Prints a table and writes
 * JSON (benchmarks/results/backup.json). Everything on 127.0.0.1; the folder is removed.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  loadOrCreatePki,
  migrate,
  seedSimulatedAgents,
  startEmbeddedPostgres,
} from '../server/index.js';

const SMC = fileURLToPath(new URL('../bin/smc.js', import.meta.url));
const SEED_CHUNK = 10_000;

function options() {
  const { values } = parseArgs({
    options: {
      computers: { type: 'string', default: '20000' },
      'logs-per-computer': { type: 'string', default: '30' },
      out: { type: 'string', default: 'benchmarks/results/backup.json' },
    },
  });
  const computers = Number(values.computers);
  const logs = Number(values['logs-per-computer']);
  if (!Number.isInteger(computers) || computers < 1 || computers > 200_000)
    throw new RangeError('--computers: an integer from 1 to 200000');
  if (!Number.isInteger(logs) || logs < 0 || logs > 1_000)
    throw new RangeError('--logs-per-computer: an integer from 0 to 1000');
  return { computers, logs, out: values.out as string };
}

/** Runs the built CLI; resolves with its wall time, or rejects with its stderr. */
function smc(args: string[]): Promise<{ seconds: number; stdout: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SMC, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ seconds: (performance.now() - started) / 1_000, stdout })
        : reject(new Error(`smc ${args[1]} exited ${code}: ${stderr}`)),
    );
  });
}

async function tableCounts(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables.rows) {
      const { rows } = await client.query(`SELECT count(*)::bigint AS n FROM ${name}`);
      counts[name] = Number(rows[0].n);
    }
    return counts;
  } finally {
    await client.end();
  }
}

async function seed(pool: pg.Pool, computers: number, logs: number): Promise<void> {
  const ids = Array.from({ length: computers }, () => randomUUID());
  await pool.query(
    `INSERT INTO computers (agent_id, hostname, os_family, os_name, os_version, agent_version,
        fingerprint, protection, modules_version, last_update, uptime_seconds, inventory_hash)
     SELECT a, 'pc-' || left(a::text, 8), 'windows', 'Windows 11 Pro', '23H2', '1.0.0',
            md5(a::text) || md5(a::text), 'ok', '2026.11.1', now(), 3600, md5('inv' || a::text)
       FROM unnest($1::uuid[]) AS a`,
    [ids],
  );
  await pool.query(
    `INSERT INTO inventories (agent_id, hash, hardware, software)
     SELECT a, md5('inv' || a::text),
            jsonb_build_object('cpu', 'x86_64', 'cores', 4, 'memoryMb', 16384),
            jsonb_build_array(jsonb_build_object('name', 'Office', 'version', '16.0'))
       FROM unnest($1::uuid[]) AS a`,
    [ids],
  );
  for (let i = 0; i < ids.length; i += SEED_CHUNK)
    await seedSimulatedAgents(pool, { agentIds: ids.slice(i, i + SEED_CHUNK), logsPerAgent: logs });
}

async function main(): Promise<void> {
  const { computers, logs, out } = options();
  const folder = await mkdtemp(path.join(os.tmpdir(), 'smc-bench-backup-'));
  // As root, PostgreSQL runs as its own system user, which must be able to traverse here.
  await chmod(folder, 0o711);
  const database = await startEmbeddedPostgres({ dataDir: path.join(folder, 'pg') });
  try {
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    try {
      await migrate(pool);
      const seeded = performance.now();
      await seed(pool, computers, logs);
      console.error(
        `bench:backup: seeded ${computers} computers x ${logs} logs in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
      );
      await pool.query('CREATE DATABASE restored');
    } finally {
      await pool.end();
    }
    const dataDir = path.join(folder, 'data');
    await loadOrCreatePki({ dataDir, hostnames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const restoredUrl = database.url.replace(/\/smc$/, '/restored');
    const sizeClient = new pg.Client({ connectionString: database.url });
    await sizeClient.connect();
    const size = await sizeClient.query('SELECT pg_database_size(current_database())::bigint AS b');
    await sizeClient.end();
    const databaseBytes = Number(size.rows[0].b);

    const archive = path.join(folder, 'server.smc');
    const backup = await smc([
      'admin',
      'backup',
      '--data-dir',
      dataDir,
      '--database-url',
      database.url,
      '--out',
      archive,
      '--json',
    ]);
    const backupResult = JSON.parse(backup.stdout) as { bytes: number; rows: number };
    const restore = await smc([
      'admin',
      'restore',
      '--archive',
      archive,
      '--data-dir',
      path.join(folder, 'restored'),
      '--database-url',
      restoredUrl,
      '--json',
    ]);
    const [source, target] = await Promise.all([
      tableCounts(database.url),
      tableCounts(restoredUrl),
    ]);
    for (const [table, rows] of Object.entries(source))
      if (table !== 'smc_migrations' && target[table] !== rows)
        throw new Error(
          `restore incomplete: ${table} has ${target[table]} rows, the source ${rows}`,
        );
    const report = {
      kind: 'smc-bench-backup',
      computers,
      logsPerComputer: logs,
      rows: backupResult.rows,
      databaseBytes,
      archiveBytes: backupResult.bytes,
      backupSeconds: backup.seconds,
      restoreSeconds: restore.seconds,
      backupRowsPerSecond: backupResult.rows / backup.seconds,
      restoreRowsPerSecond: backupResult.rows / restore.seconds,
      cores: os.cpus().length,
      node: process.version,
      measuredAt: new Date().toISOString(),
    };
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
    console.log(`smc admin backup / restore, ${computers.toLocaleString('en-US')} computers x ${logs} logs (${report.rows.toLocaleString('en-US')} rows)
  database size   ${mib(databaseBytes)}
  archive size    ${mib(report.archiveBytes)}
  backup          ${report.backupSeconds.toFixed(1)} s  (${Math.round(report.backupRowsPerSecond).toLocaleString('en-US')} rows/s)
  restore         ${report.restoreSeconds.toFixed(1)} s  (${Math.round(report.restoreRowsPerSecond).toLocaleString('en-US')} rows/s, into an empty database)
  written         ${out}`);
  } finally {
    await database.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:backup: ${(error as Error).message}`);
  process.exitCode = 1;
});
