/**
 * npm run bench:console-deep-page — page 2,000 of the console's computers list (issue 17),
 * OFFSET (`?page=2000`, exact count) against keyset (`?after=` the previous page's `next`,
 * capped count), in the same run over real HTTPS on one embedded PostgreSQL (fsync on).
 * `--computers` computers are bulk-loaded with generate_series (a reported IP and a last-seen
 * time each). Both answers are checked to hold the same rows before anything is timed.
 * Prints the medians and the ratio per sort order, writes benchmarks/results/console-deep-page.json.
 * Loopback only; bounded by its flags.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bulkLoadComputers, startDatabaseBenchServer } from './lib/database-bench-server.js';
import { medianMs } from './lib/median-time.js';

const USAGE =
  'usage: npm run bench:console-deep-page -- [--computers 100000] [--page 2000] [--page-size 50] [--repeat 9] [--out FILE]';

function options() {
  const { values } = parseArgs({
    options: {
      computers: { type: 'string', default: '100000' },
      page: { type: 'string', default: '2000' },
      'page-size': { type: 'string', default: '50' },
      repeat: { type: 'string', default: '9' },
      out: { type: 'string', default: 'benchmarks/results/console-deep-page.json' },
    },
  });
  const whole = (name: string, raw: string | undefined, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new RangeError(
        `--${name}: must be a whole number from ${min} to ${max.toLocaleString('en')}`,
      );
    return n;
  };
  const computers = whole('computers', values.computers, 1_000, 1_000_000);
  const pageSize = whole('page-size', values['page-size'], 1, 500);
  const page = whole('page', values.page, 2, 20_000);
  if (page * pageSize > computers)
    throw new RangeError(`--page: page ${page} of ${pageSize} is past ${computers} computers`);
  const repeat = whole('repeat', values.repeat, 1, 100);
  return { computers, page, pageSize, repeat, out: values.out as string };
}

function get<T>(url: string, ca: string, token: string): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString()) as T,
        }),
      );
    });
    request.on('error', reject);
  });
}

interface Page {
  items: { agentId: string }[];
  next: string | null;
  total: number;
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
  const { server, stop } = await startDatabaseBenchServer('deep-page');
  try {
    const { pool } = server;
    console.error(`seeding ${opts.computers.toLocaleString('en')} computers`);
    await bulkLoadComputers(pool, opts.computers);
    await pool.query(
      `INSERT INTO inventories (agent_id, hash, hardware, software)
       SELECT md5(n::text)::uuid, md5(n::text),
         jsonb_build_object('network', jsonb_build_array(jsonb_build_object('ipv4',
           '10.' || (n / 65536 % 256) || '.' || (n / 256 % 256) || '.' || (n % 256)))), '[]'
       FROM generate_series(1, $1) AS n`,
      [opts.computers],
    );
    await pool.query('ANALYZE');
    const call = (route: string) =>
      get<Page>(`${server.consoleUrl}${route}`, server.caCertPem, server.adminToken);
    const results: Record<string, { offsetMs: number; keysetMs: number; ratio: number }> = {};
    for (const sort of ['hostname', 'agentVersion', 'lastSeen'] as const) {
      const base = `/api/computers?sort=${sort}&pageSize=${opts.pageSize}`;
      const before = await call(`${base}&page=${opts.page - 1}`);
      if (!before.body.next) throw new Error(`${sort}: page ${opts.page - 1} has no next token`);
      const offsetRoute = `${base}&page=${opts.page}`;
      const keysetRoute = `${base}&after=${before.body.next}`;
      const [byOffset, byKeyset] = [await call(offsetRoute), await call(keysetRoute)];
      const ids = (p: Page) => p.items.map((i) => i.agentId).join();
      if (
        byOffset.status !== 200 ||
        byKeyset.status !== 200 ||
        ids(byOffset.body) !== ids(byKeyset.body)
      )
        throw new Error(`${sort}: OFFSET and keyset disagree on page ${opts.page}`);
      console.error(`timing sort=${sort}`);
      const time = (route: string) =>
        medianMs(opts.repeat, () => call(route), {
          warm: (first) => {
            if ((first as { status: number }).status !== 200) throw new Error(`${route} failed`);
          },
        });
      const offsetMs = await time(offsetRoute);
      const keysetMs = await time(keysetRoute);
      results[sort] = { offsetMs, keysetMs, ratio: Math.round((offsetMs / keysetMs) * 10) / 10 };
    }
    console.log(
      `/api/computers page ${opts.page.toLocaleString('en')} of ${opts.pageSize} at ${opts.computers.toLocaleString('en')} computers, median of ${opts.repeat} (ms; load ${os.loadavg()[0]?.toFixed(1)})`,
    );
    console.log(
      `${'sort'.padEnd(14)}${'OFFSET'.padStart(10)}${'keyset'.padStart(10)}${'ratio'.padStart(8)}`,
    );
    for (const [sort, r] of Object.entries(results))
      console.log(
        `${sort.padEnd(14)}${String(r.offsetMs).padStart(10)}${String(r.keysetMs).padStart(10)}${`${r.ratio}x`.padStart(8)}`,
      );
    await mkdir(path.dirname(opts.out), { recursive: true });
    await writeFile(
      opts.out,
      `${JSON.stringify(
        {
          benchmark: 'console-deep-page',
          date: new Date().toISOString(),
          machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
          options: opts,
          notes: 'OFFSET answers an exact count(*); keyset a count capped at 10,001 rows',
          results,
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
