/**
 * `npm run bench:synth`: whole-process wall time and peak RSS of `smc synth` for 1,000 /
 * 20,000 / 150,000 clients on each platform, beside two baselines: `smc --version` (what
 * starting the CLI costs before synth does anything) and a bare node process that imports the
 * @cdktf/provider-azurerm package root (what deep imports avoid). Peak RSS comes from the
 * kernel's VmHWM of each child, polled from /proc while it runs and read once more at exit.
 * Prints a table and writes benchmarks/results/synth.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SMC = join(ROOT, 'dist', 'bin', 'smc.js');
const RUNS = Number(process.env.SMC_BENCH_RUNS ?? 3);
const TARGET = { wallSeconds: 3, peakRssMiB: 300 };

interface Measurement {
  readonly name: string;
  readonly runs: number;
  /** Median over the runs. */
  readonly wallSeconds: number;
  readonly peakRssMiB: number;
  readonly maxPeakRssMiB: number;
}

function vmHwmKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** One child run; wall time from spawn to exit, peak RSS as the largest VmHWM seen. */
function runOnce(args: readonly string[]): Promise<{ wallSeconds: number; peakKiB: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let peakKiB = 0;
    let stderr = '';
    const poll = setInterval(() => {
      if (child.pid) peakKiB = Math.max(peakKiB, vmHwmKiB(child.pid));
    }, 5);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    // VmHWM only grows, so the last read before the process is reaped is the peak.
    child.on('exit', () => {
      if (child.pid) peakKiB = Math.max(peakKiB, vmHwmKiB(child.pid));
    });
    child.on('close', (code) => {
      clearInterval(poll);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.trim()}`));
      else resolve({ wallSeconds, peakKiB });
    });
  });
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function measure(name: string, args: readonly string[]): Promise<Measurement> {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runOnce(args));
  const row = {
    name,
    runs: RUNS,
    wallSeconds: Number(median(runs.map((r) => r.wallSeconds)).toFixed(3)),
    peakRssMiB: Number((median(runs.map((r) => r.peakKiB)) / 1024).toFixed(1)),
    maxPeakRssMiB: Number((Math.max(...runs.map((r) => r.peakKiB)) / 1024).toFixed(1)),
  };
  process.stderr.write(`  ${name}: ${row.wallSeconds} s, ${row.peakRssMiB} MiB\n`);
  return row;
}

async function main(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'smc-bench-synth-'));
  const rows: Measurement[] = [];
  try {
    process.stderr.write(`smc synth benchmark, ${RUNS} runs each (median)\n`);
    rows.push(await measure('baseline: smc --version', [SMC, '--version']));
    rows.push(
      await measure('baseline: import @cdktf/provider-azurerm root', [
        '-e',
        "require('@cdktf/provider-azurerm')",
      ]),
    );
    for (const platform of ['azure', 'vms'] as const) {
      for (const clients of [1_000, 20_000, 150_000]) {
        rows.push(
          await measure(`synth ${platform} ${clients.toLocaleString('en-US')} clients`, [
            SMC,
            'synth',
            '--clients',
            String(clients),
            '--platform',
            platform,
            '--out',
            join(out, `${platform}-${clients}`),
          ]),
        );
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  const largest = rows.filter((r) => r.name.includes('150,000'));
  const withinTarget = largest.every(
    (r) => r.wallSeconds < TARGET.wallSeconds && r.peakRssMiB < TARGET.peakRssMiB,
  );
  const header = ['what', 'wall s (median)', 'peak RSS MiB (median)', 'max'];
  const table = [
    header,
    ...rows.map((r) => [
      r.name,
      r.wallSeconds.toFixed(2),
      r.peakRssMiB.toFixed(0),
      r.maxPeakRssMiB.toFixed(0),
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  for (const row of table) {
    process.stdout.write(
      `${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')}\n`,
    );
  }
  process.stdout.write(
    `\nTarget for 150,000 clients: < ${TARGET.wallSeconds} s and < ${TARGET.peakRssMiB} MiB: ${withinTarget ? 'met' : 'NOT met'}\n`,
  );

  const resultsDir = join(ROOT, 'benchmarks', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const result = {
    benchmark: 'synth',
    command: 'npm run bench:synth',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    runsPerCase: RUNS,
    target: TARGET,
    withinTarget,
    rows,
  };
  writeFileSync(join(resultsDir, 'synth.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`Wrote ${join('benchmarks', 'results', 'synth.json')}\n`);
}

await main();
