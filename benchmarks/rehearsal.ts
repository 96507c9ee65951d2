/**
 * `npm run bench:rehearsal`: five rehearsals of one plan, one after another, and the spread
 * of the capacity they measured: (max - min) / median of the highest rate that held. Goal
 * <= 10 %. Each run is the built CLI as a user runs it (`smc rehearse`), with the machine's
 * load average before and after beside it: only runs on a quiet machine compare.
 *
 *   npm run bench:rehearsal                       # 1,000 clients (npm start's plan), 5 runs
 *   npm run bench:rehearsal -- --clients 5000 --runs 3 --storm-window 10s
 *
 * Prints a table and writes benchmarks/results/rehearsal.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { table } from './lib/text-table.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SMC = join(ROOT, 'dist', 'bin', 'smc.js');
/** ours: the goal for the capacity's spread over five rehearsals. */
const SPREAD_GOAL = 0.1;

interface Flags {
  readonly clients: number;
  readonly runs: number;
  readonly passThrough: string[];
}

const USAGE = `usage: npm run bench:rehearsal -- [--clients N] [--runs N] [smc rehearse flags...]
  --clients N   clients of the plan each rehearsal plays (default 1000, npm start's plan)
  --runs N      rehearsals, one after another (default 5)
  Any other flag goes to every \`smc rehearse\` as given (default --storm-window 10s).
  Prints each run's verdict and capacity and the spread (max - min) / median of the highest
  rate that held (goal <= 10 %); writes benchmarks/results/rehearsal.json.
`;

function flags(argv: readonly string[]): Flags {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  let clients = 1_000;
  let runs = 5;
  const passThrough: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = argv[i + 1];
    if (flag === '--clients' || flag === '--runs') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) {
        process.stderr.write(`bench:rehearsal: ${flag}: must be a whole number above 0\n`);
        process.exit(2);
      }
      if (flag === '--clients') clients = n;
      else runs = n;
      i++;
    } else passThrough.push(flag);
  }
  // npm start's storm: the plan's 60 s window would make each run a minute longer.
  if (!passThrough.includes('--storm-window')) passThrough.push('--storm-window', '10s');
  return { clients, runs, passThrough };
}

interface Run {
  readonly run: number;
  readonly verdict: string;
  readonly heldPerSecond: number | null;
  readonly brokenPerSecond: number | null;
  readonly generatorLimitedBreak: boolean;
  readonly machineLimitedBreak: boolean;
  readonly seconds: number;
  readonly loadBefore: number;
  readonly loadAfter: number;
}

function rehearseOnce(run: number, options: Flags): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'smc-bench-rehearsal-'));
  const loadBefore = loadavg()[0] ?? 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        SMC,
        'rehearse',
        '--clients',
        String(options.clients),
        '--report-dir',
        dir,
        '--json',
        ...options.passThrough,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    child.on('close', (code) => {
      try {
        if (code !== 0 && code !== 98 && code !== 99)
          throw new Error(`rehearsal ${run} exited ${code}: ${stderr.trim()}`);
        const saved = JSON.parse(readFileSync(join(dir, 'verdict.json'), 'utf8'));
        resolve({
          run,
          verdict: saved.verdict.verdict,
          heldPerSecond: saved.verdict.capacity.heldPerSecond,
          brokenPerSecond: saved.verdict.capacity.brokenPerSecond,
          generatorLimitedBreak: saved.findings.capacity.generatorLimitedBreak,
          machineLimitedBreak: saved.findings.capacity.machineLimitedBreak,
          seconds: (performance.now() - started) / 1_000,
          loadBefore,
          loadAfter: loadavg()[0] ?? 0,
        });
      } catch (error) {
        reject(error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const options = flags(process.argv.slice(2));
process.stderr.write(
  `bench:rehearsal: ${options.runs} rehearsals of ${options.clients.toLocaleString('en-US')} clients (${options.passThrough.join(' ')}), one after another\n`,
);
const runs: Run[] = [];
for (let run = 1; run <= options.runs; run++) {
  const result = await rehearseOnce(run, options);
  runs.push(result);
  process.stderr.write(
    `bench:rehearsal: run ${run}: ${result.verdict}, held ${result.heldPerSecond ?? '-'}/s, broke ${result.brokenPerSecond ?? '-'}/s, ${result.seconds.toFixed(0)} s, load ${result.loadBefore.toFixed(2)} -> ${result.loadAfter.toFixed(2)}\n`,
  );
}
const held = runs.flatMap((r) => (r.heldPerSecond === null ? [] : [r.heldPerSecond]));
const spread =
  held.length === runs.length && held.length > 0
    ? (Math.max(...held) - Math.min(...held)) / median(held)
    : null;
const rows = [
  [
    'run',
    'verdict',
    'held/s',
    'broke/s',
    'limited at the break',
    'seconds',
    'load before',
    'load after',
  ],
  ...runs.map((r) => [
    String(r.run),
    r.verdict,
    r.heldPerSecond === null ? '-' : r.heldPerSecond.toFixed(0),
    r.brokenPerSecond === null ? '-' : r.brokenPerSecond.toFixed(0),
    r.generatorLimitedBreak ? 'generator' : r.machineLimitedBreak ? 'machine' : 'server',
    r.seconds.toFixed(0),
    r.loadBefore.toFixed(2),
    r.loadAfter.toFixed(2),
  ]),
];
process.stdout.write(`${table(rows).join('\n')}\n`);
process.stdout.write(
  spread === null
    ? 'spread: not measured (a run held no capacity)\n'
    : `spread (max - min) / median of the capacity held: ${(spread * 100).toFixed(1)} % (goal <= ${SPREAD_GOAL * 100} %): ${spread <= SPREAD_GOAL ? 'met' : 'NOT met'}\n`,
);
mkdirSync(join(ROOT, 'benchmarks', 'results'), { recursive: true });
writeFileSync(
  join(ROOT, 'benchmarks', 'results', 'rehearsal.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      clients: options.clients,
      flags: options.passThrough,
      runs,
      medianHeldPerSecond: held.length > 0 ? median(held) : null,
      spread,
      goal: SPREAD_GOAL,
    },
    null,
    2,
  )}\n`,
);
