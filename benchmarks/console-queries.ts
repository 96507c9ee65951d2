/**
 * npm run bench:console — the console routes of issue 20 at a large fleet, over real HTTPS.
 *
 * One embedded PostgreSQL (fsync on) and a real `startServer` on loopback; `--computers`
 * computers with inventories (a reported IP each) and `--logs` logs spread over the last 24
 * hours (1 in 50 a detection). Each console request an operator makes is timed (median of
 * `--repeat`): a computers page sorted by last seen and by IP, log search without text, by
 * type, and by text that matches almost nothing (the whole 24-hour window is scanned), the
 * trends and the audit page. Prints a table, writes benchmarks/results/console-queries.json.
 * Loopback only; bounded by its flags.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bulkLoadComputers, startDatabaseBenchServer } from './lib/database-bench-server.js';
import { medianMs as timedMedian } from './lib/median-time.js';

const USAGE =
  'usage: npm run bench:console -- [--computers 20000] [--logs 500000] [--repeat 9] [--out FILE]';

function options() {
  const { values } = parseArgs({
    options: {
      computers: { type: 'string', default: '20000' },
      logs: { type: 'string', default: '500000' },
      repeat: { type: 'string', default: '9' },
      out: { type: 'string', default: 'benchmarks/results/console-queries.json' },
    },
  });
  const computers = Number(values.computers);
  const logs = Number(values.logs);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(computers) || computers < 100 || computers > 200_000)
    throw new RangeError('--computers: must be a whole number from 100 to 200,000');
  if (!Number.isInteger(logs) || logs < 1_000 || logs > 20_000_000)
    throw new RangeError('--logs: must be a whole number from 1,000 to 20,000,000');
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100)
    throw new RangeError('--repeat: must be a whole number from 1 to 100');
  return { computers, logs, repeat, out: values.out as string };
}

function get(url: string, ca: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    request.on('error', reject);
  });
}

/** The median of `repeat` timed requests, after one that must answer 200 (it warms the plan). */
function medianMs(repeat: number, run: () => Promise<number>): Promise<number> {
  return timedMedian(repeat, run, {
    warm: (status) => {
      if (status !== 200) throw new Error(`answered ${status}`);
    },
  });
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  let opts: ReturnType<typeof options>;
  try {
    opts = options();
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const { server, stop } = await startDatabaseBenchServer('console');
  try {
    const { pool } = server;
    console.error(
      `seeding ${opts.computers.toLocaleString('en')} computers and ${opts.logs.toLocaleString('en')} logs`,
    );
    await bulkLoadComputers(pool, opts.computers);
    await pool.query(
      `INSERT INTO inventories (agent_id, hash, hardware, software)
       SELECT md5(n::text)::uuid, md5(n::text),
         jsonb_build_object('network', jsonb_build_array(jsonb_build_object('ipv4',
           '10.' || (n / 65536 % 256) || '.' || (n / 256 % 256) || '.' || (n % 256)))), '[]'
       FROM generate_series(1, $1) AS n`,
      [opts.computers],
    );
    await pool.query(
      `INSERT INTO logs (agent_id, seq, type, time, data)
       SELECT md5((g % $1 + 1)::text)::uuid, g / $1 + 1,
         CASE WHEN g % 50 = 0 THEN 'detection' ELSE 'event' END,
         -- in arrival order, as replications store them (what the BRIN index on time relies on)
         now() - make_interval(secs => ($2 - g) * 86000.0 / $2),
         jsonb_build_object('message', 'event number ' || g, 'source', 'bench')
       FROM generate_series(0, $2 - 1) AS g`,
      [opts.computers, opts.logs],
    );
    await pool.query('ANALYZE');
    const base = server.consoleUrl;
    const time = (route: string) =>
      medianMs(opts.repeat, () => get(`${base}${route}`, server.caCertPem, server.adminToken));
    const routes = [
      ['computers, sorted by last seen', '/api/computers?sort=lastSeen&order=desc'],
      ['computers, sorted by reported IP', '/api/computers?sort=ip'],
      ['logs, newest page (24 h)', '/api/logs'],
      ['logs, detections only (24 h)', '/api/logs?type=detection'],
      ['logs, rare text (scans 24 h)', '/api/logs?q=zz-nothing-zz'],
      [
        'logs, one computer (24 h)',
        `/api/logs?agentId=${(await pool.query<{ id: string }>("SELECT md5('7')::uuid::text AS id")).rows[0]?.id}`,
      ],
      ['trends (14 days)', '/api/trends'],
      ['audit page', '/api/audit'],
    ] as const;
    const figures: Record<string, number> = {};
    for (const [label, route] of routes) {
      console.error(`timing ${label}`);
      figures[label] = await time(route);
    }
    console.log(
      `console routes at ${opts.computers.toLocaleString('en')} computers, ${opts.logs.toLocaleString('en')} logs, median of ${opts.repeat} (ms)`,
    );
    for (const [label] of routes)
      console.log(`${label.padEnd(36)} ${String(figures[label]).padStart(9)}`);
    await mkdir(path.dirname(opts.out), { recursive: true });
    await writeFile(
      opts.out,
      `${JSON.stringify(
        {
          benchmark: 'console-queries',
          date: new Date().toISOString(),
          machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
          options: opts,
          medianMs: figures,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`written: ${opts.out}`);
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
