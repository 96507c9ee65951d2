/**
 * npm run bench:mdm-projection — the server console's mobile-device queries at a large fleet,
 * with and without the partial indexes on the connectors' relayed logs (migrations 2 and 4).
 *
 * The console lists phones as a projection of what connectors relay (a summary log per device
 * and change, a log per command result). One embedded PostgreSQL (fsync on), fully migrated,
 * gets a connector's logs for `--devices` phones (two summaries and one result each); each
 * query the console runs per command or detail page is timed (median of `--repeat`), then the
 * two indexes are dropped and the same queries are timed again ("before" in the table).
 * Prints a table, writes benchmarks/results/mdm-projection.json. Loopback only; bounded.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MDM_CONNECTOR_AGENT_VERSION } from '../protocol/index.js';
import {
  commandResultsOf,
  createPool,
  latestSummary,
  listMobileDevices,
  MIGRATIONS,
  migrate,
  startEmbeddedPostgres,
} from '../server/index.js';
import { medianMs as timedMedian } from './lib/median-time.js';

const USAGE = `usage: npm run bench:mdm-projection -- [--devices 50000] [--repeat 25] [--out FILE]`;
const CONNECTOR = '00000000-0000-4000-8000-00000000c0de';

function options() {
  const { values } = parseArgs({
    options: {
      devices: { type: 'string', default: '50000' },
      repeat: { type: 'string', default: '25' },
      out: { type: 'string', default: 'benchmarks/results/mdm-projection.json' },
    },
  });
  const devices = Number(values.devices);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(devices) || devices < 10 || devices > 1_000_000)
    throw new RangeError('--devices: must be a whole number from 10 to 1,000,000');
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 1_000)
    throw new RangeError('--repeat: must be a whole number from 1 to 1,000');
  return { devices, repeat, out: values.out as string };
}

function medianMs(repeat: number, run: () => Promise<unknown>): Promise<number> {
  return timedMedian(repeat, run, { decimals: 2 });
}

async function main(): Promise<void> {
  let opts: ReturnType<typeof options>;
  try {
    opts = options();
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const folder = await mkdtemp(path.join(os.tmpdir(), 'smc-bench-projection-'));
  await chmod(folder, 0o711);
  const database = await startEmbeddedPostgres({ dataDir: path.join(folder, 'pg') });
  const pool = createPool(database.url, 2);
  try {
    await migrate(pool, MIGRATIONS);
    await pool.query(
      `INSERT INTO computers (agent_id, hostname, os_family, os_name, os_version, agent_version,
         fingerprint, protection, modules_version, last_update, uptime_seconds)
       VALUES ($1, 'mdm-connector', 'linux', 'Linux', '6', $2, 'f', 'ok', '1', now(), 1)`,
      [CONNECTOR, MDM_CONNECTOR_AGENT_VERSION],
    );
    // The console trusts a connector by the kind recorded at its enrollment (migration 4).
    await pool.query(
      `INSERT INTO enrolled_agents (agent_id, token_hash, kind) VALUES ($1, 'bench', 'mdm-connector')`,
      [CONNECTOR],
    );
    console.error(`writing ${opts.devices.toLocaleString('en')} phones' logs (3 per phone)`);
    // Per phone: two summaries (a change, then the daily refresh) and one command result.
    await pool.query(
      `INSERT INTO logs (agent_id, seq, type, time, data)
       SELECT $1, g, 'event', now() - make_interval(secs => $2 * 3 - g),
         CASE WHEN g % 3 = 0
           THEN jsonb_build_object('kind', 'mdm-command-result', 'state', 'done',
                  'deviceId', md5((g / 3 % $2)::text)::uuid::text)
           ELSE jsonb_build_object('kind', 'mdm-device',
                  'platform', CASE WHEN g % 7 = 0 THEN 'ios' ELSE 'android' END,
                  'deviceId', md5((g / 3 % $2)::text)::uuid::text)
         END
       FROM generate_series(1, $2 * 3) AS g`,
      [CONNECTOR, opts.devices],
    );
    const probe = (
      await pool.query<{ id: string }>(`SELECT md5(($1::int / 2)::text)::uuid::text AS id`, [
        opts.devices,
      ])
    ).rows[0]?.id as string;
    const measure = async () => {
      await pool.query('ANALYZE logs');
      return {
        latestSummaryMs: await medianMs(opts.repeat, () => latestSummary(pool, probe)),
        commandResultsMs: await medianMs(opts.repeat, () =>
          commandResultsOf(pool, CONNECTOR, probe),
        ),
        listFirstPageMs: await medianMs(Math.min(opts.repeat, 5), () =>
          listMobileDevices(pool, { page: 1, pageSize: 50, platform: null }),
        ),
      };
    };
    console.error('timing with the device indexes (migrations 2 and 4)');
    const after = await measure();
    await pool.query('DROP INDEX logs_mdm_device_latest, logs_mdm_command_results');
    console.error('timing without them');
    const before = await measure();
    const ratio = (key: keyof typeof before) => Math.round((before[key] / after[key]) * 10) / 10;
    const rows = [
      ['one device (detail page, every command)', 'latestSummaryMs'],
      ['its command results (detail page)', 'commandResultsMs'],
      ['first page of the list', 'listFirstPageMs'],
    ] as const;
    console.log(
      `console queries at ${opts.devices.toLocaleString('en')} phones (${(opts.devices * 3).toLocaleString('en')} connector logs), median of ${opts.repeat}`,
    );
    console.log('query                                      before ms  after ms  ratio');
    for (const [label, key] of rows) {
      console.log(
        `${label.padEnd(42)} ${String(before[key]).padStart(9)} ${String(after[key]).padStart(9)} ${String(ratio(key)).padStart(6)}x`,
      );
    }
    await mkdir(path.dirname(opts.out), { recursive: true });
    await writeFile(
      opts.out,
      `${JSON.stringify(
        {
          benchmark: 'mdm-projection',
          date: new Date().toISOString(),
          machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
          options: opts,
          before,
          after,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`written: ${opts.out}`);
  } finally {
    await pool.end();
    await database.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
