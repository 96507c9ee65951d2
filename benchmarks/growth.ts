/**
 * npm run bench:growth — does a full database make replications slower? (issue 17)
 *
 * One embedded PostgreSQL (fsync on) and a real `startServer` on loopback. `--agents` enrolled
 * agents replicate in a closed loop (one request in flight each, `--logs-per-replication` new
 * logs per request, over HTTP/2 with mutual TLS) for `--seconds` on the empty database; then
 * `--computers` computers and `--logs` logs are bulk-loaded with generate_series (spread over the
 * last 28 days of the partitioned weeks, in arrival order) and the same loop runs again. Prints
 * replications/s, p50 and p99 of both, and the p99 ratio against the goal (at most 1.5x), and
 * writes benchmarks/results/growth.json. Loopback only; bounded by its flags.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startDatabaseBenchServer } from './lib/database-bench-server.js';
import { BenchAgent } from './lib/server-agent.js';
import { enrollAgents } from './lib/server-enroll.js';
import { postHttp2 } from './lib/server-http.js';

const USAGE =
  'usage: npm run bench:growth -- [--computers 100000] [--logs 3000000] [--agents 50] [--seconds 20] [--logs-per-replication 5] [--out FILE]';
/** The goal: a full database's p99 at most this many times the empty one's. */
const GOAL_P99_RATIO = 1.5;
const REQUEST_TIMEOUT_MS = 30_000;
/** Logs per bulk-load statement. */
const LOAD_CHUNK = 100_000;

function wholeNumber(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(
      `--${name}: must be a whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}`,
    );
  return value;
}

function options() {
  const { values } = parseArgs({
    options: {
      computers: { type: 'string', default: '100000' },
      logs: { type: 'string', default: '3000000' },
      agents: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '20' },
      'logs-per-replication': { type: 'string', default: '5' },
      out: { type: 'string', default: 'benchmarks/results/growth.json' },
    },
  });
  return {
    computers: wholeNumber('computers', values.computers as string, 100, 1_000_000),
    logs: wholeNumber('logs', values.logs as string, 1_000, 50_000_000),
    agents: wholeNumber('agents', values.agents as string, 1, 1_000),
    seconds: wholeNumber('seconds', values.seconds as string, 1, 600),
    logsPerReplication: wholeNumber(
      'logs-per-replication',
      values['logs-per-replication'] as string,
      0,
      100,
    ),
    out: values.out as string,
  };
}

interface Phase {
  readonly replications: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failures: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] as number) * 100) / 100;
}

/** Every agent replicates back to back for `seconds`; latencies of the 200 answers. */
async function runPhase(
  agents: readonly BenchAgent[],
  seconds: number,
  logsPerReplication: number,
): Promise<Phase> {
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    agents.map(async (agent) => {
      while (performance.now() < until) {
        const body = agent.replicationBody(logsPerReplication);
        const sent = performance.now();
        const res = await postHttp2(agent.connection(), '/v1/replicate', body, REQUEST_TIMEOUT_MS);
        if (res.status !== 200) {
          failures++;
          continue;
        }
        latencies.push(performance.now() - sent);
        const ack = (JSON.parse(res.text) as { ack: { logsThrough: number } }).ack.logsThrough;
        if (agent.acknowledge(ack) === null) throw new Error(`impossible ack ${ack}`);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    replications: latencies.length,
    perSecond: Math.round((latencies.length / elapsed) * 10) / 10,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    failures,
  };
}

function createToken(consoleUrl: string, ca: string, adminToken: string, uses: number) {
  return new Promise<string>((resolve, reject) => {
    const request = https.request(
      `${consoleUrl}/api/enrollment-tokens`,
      {
        method: 'POST',
        ca,
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          res.statusCode === 200
            ? resolve((JSON.parse(text) as { token: string }).token)
            : reject(new Error(`enrollment token: ${res.statusCode} ${text.slice(0, 200)}`)),
        );
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify({ uses, ttlSeconds: 3_600 }));
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
  const { server, stop } = await startDatabaseBenchServer('growth');
  const agents: BenchAgent[] = [];
  try {
    const { pool } = server;
    const token = await createToken(
      server.consoleUrl,
      server.caCertPem,
      server.adminToken,
      opts.agents,
    );
    const identities = await enrollAgents({
      agentUrl: server.agentUrl,
      caPem: server.caCertPem,
      token,
      count: opts.agents,
      concurrency: 8,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    identities.forEach((identity, index) => {
      agents.push(new BenchAgent(identity, index, server.agentUrl, server.caCertPem));
    });
    await Promise.all(agents.map((a) => a.connect(REQUEST_TIMEOUT_MS)));
    // A first round outside the figures: sessions warm, computers rows made.
    await runPhase(agents, 1, opts.logsPerReplication);

    console.error(`empty database: replicating for ${opts.seconds} s`);
    const empty = await runPhase(agents, opts.seconds, opts.logsPerReplication);

    console.error(
      `bulk-loading ${opts.computers.toLocaleString('en')} computers and ${opts.logs.toLocaleString('en')} logs`,
    );
    const loadStarted = performance.now();
    await pool.query(
      `INSERT INTO computers (agent_id, hostname, os_family, os_name, os_version, agent_version,
         fingerprint, protection, modules_version, last_update, uptime_seconds)
       SELECT md5('growth' || n)::uuid, 'host-' || n, 'windows', 'Windows 11 Pro', '23H2',
         '11.' || (n % 4) || '.0', md5(n::text), CASE WHEN n % 40 = 0 THEN 'warning' ELSE 'ok' END,
         '2026.11.1', now(), 60
       FROM generate_series(1, $1) AS n`,
      [opts.computers],
    );
    await pool.query(
      `INSERT INTO agent_state (agent_id, logs_through, last_seen, replications, seq_high)
       SELECT md5('growth' || n)::uuid, ceil($2::numeric / $1), now() - make_interval(secs => n % 3600), 1,
              ceil($2::numeric / $1)
       FROM generate_series(1, $1) AS n`,
      [opts.computers, opts.logs],
    );
    // Seqs per computer from 1, times in arrival order over the last 28 days, the simulator's
    // rough mix (mostly events, some firewall and scans, few detections and audits).
    // In chunks: each statement stays inside the server pool's statement timeout.
    for (let from = 0; from < opts.logs; from += LOAD_CHUNK) {
      await pool.query(
        `INSERT INTO logs (agent_id, seq, type, time, data)
         SELECT md5('growth' || (g % $1 + 1))::uuid, g / $1 + 1,
           (ARRAY['event','event','event','event','event','firewall','firewall','scan','hips','detection','audit'])[1 + g % 11],
           now() - make_interval(secs => ($2 - g) * (28 * 86400.0) / $2),
           jsonb_build_object('message', 'event number ' || g, 'source', 'bench')
         FROM generate_series($3::bigint, $4::bigint) AS g`,
        [opts.computers, opts.logs, from, Math.min(opts.logs, from + LOAD_CHUNK) - 1],
      );
    }
    await pool.query('ANALYZE');
    const loadSeconds = Math.round((performance.now() - loadStarted) / 100) / 10;
    const { rows } = await pool.query<{ bytes: string; parts: number }>(
      `SELECT pg_database_size(current_database())::text AS bytes,
              (SELECT count(*)::int FROM pg_inherits WHERE inhparent = 'logs'::regclass) AS parts`,
    );

    console.error(`full database: replicating for ${opts.seconds} s`);
    const full = await runPhase(agents, opts.seconds, opts.logsPerReplication);
    const ratio = empty.p99Ms > 0 ? Math.round((full.p99Ms / empty.p99Ms) * 100) / 100 : 0;
    const verdict = ratio <= GOAL_P99_RATIO ? 'met' : 'missed';

    console.log(
      `replication on an empty vs a full database (${opts.agents} agents, ${opts.logsPerReplication} logs each, ${opts.seconds} s per phase)`,
    );
    console.log(
      `${''.padEnd(12)} ${'repl/s'.padStart(9)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}`,
    );
    for (const [label, phase] of [
      ['empty', empty],
      ['full', full],
    ] as const)
      console.log(
        `${label.padEnd(12)} ${String(phase.perSecond).padStart(9)} ${String(phase.p50Ms).padStart(9)} ${String(phase.p99Ms).padStart(9)}`,
      );
    console.log(
      `full: ${opts.computers.toLocaleString('en')} computers, ${opts.logs.toLocaleString('en')} logs in ${rows[0]?.parts} partitions, ${Math.round(Number(rows[0]?.bytes) / 1e6)} MB, loaded in ${loadSeconds} s`,
    );
    console.log(`p99 full / empty: ${ratio} (goal at most ${GOAL_P99_RATIO}: ${verdict})`);
    await mkdir(path.dirname(opts.out), { recursive: true });
    await writeFile(
      opts.out,
      `${JSON.stringify(
        {
          benchmark: 'growth',
          date: new Date().toISOString(),
          machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
          options: opts,
          empty,
          full,
          database: {
            bytes: Number(rows[0]?.bytes),
            logPartitions: rows[0]?.parts,
            loadSeconds,
          },
          p99Ratio: ratio,
          goal: { p99Ratio: GOAL_P99_RATIO, verdict },
        },
        null,
        2,
      )}\n`,
    );
    console.log(`written: ${opts.out}`);
  } finally {
    for (const agent of agents) agent.close();
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
