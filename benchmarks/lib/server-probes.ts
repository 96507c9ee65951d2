import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * The bare ceiling probes (../shared/probes, see its README) run in the same benchmark, so the
 * server's figures are read as ratios to what Node and PostgreSQL reach bare on this machine
 * at this moment (a shared box moves absolute figures by 2x from day to day). Each probe is a
 * child process with its own throwaway PostgreSQL in a temp folder under /tmp on a port of its
 * own; it listens on 127.0.0.1 and is bounded by its own duration plus a margin.
 */
export interface ProbeReplicateStep {
  readonly inflight: number;
  readonly perSecond: number;
  readonly p99Ms: number;
  readonly serverCpuMicrosPerReplication: number;
  readonly postgresCpuMicrosPerReplication: number;
}

export interface ProbeNoopStep {
  readonly inflight: number;
  readonly perSecond: number;
  readonly p99Ms: number;
  readonly serverCpuMicrosPerRequest: number;
}

/** Checks the folder holds the probes; throws naming the flag. */
export function checkProbesFolder(dir: string): void {
  for (const file of ['h2-pg-replicate.mjs', 'h2-noop.mjs'])
    if (!existsSync(path.join(dir, file)))
      throw new Error(`--probes: ${dir} has no ${file} (point it at the shared probes folder)`);
}

/**
 * The whole replication path bare (h2-pg-replicate.mjs): one run per in-flight figure, as
 * `sessions x streams` with the same sessions for all (the gcd of the figures, at most 100).
 */
export async function runReplicateProbe(
  dir: string,
  concurrencies: readonly number[],
  seconds: number,
  warmupSeconds: number,
): Promise<ProbeReplicateStep[]> {
  const sessions = Math.min(100, concurrencies.reduce(gcd));
  const streams = concurrencies.map((c) => Math.max(1, Math.round(c / sessions)));
  const folder = await mkdtemp(path.join('/tmp', 'smc-bench-probe-'));
  // As root, the probe's PostgreSQL runs as its own system user, which must traverse here.
  await chmod(folder, 0o711);
  try {
    const out = await runProbe(
      path.join(dir, 'h2-pg-replicate.mjs'),
      [
        '--runs',
        '1',
        '--duration',
        String(seconds),
        '--warmup',
        String(Math.max(1, warmupSeconds)),
        '--sessions',
        String(sessions),
        '--streams',
        streams.join(','),
        '--dir',
        path.join(folder, 'pg'),
        // Below the ephemeral range, as the probe asks; varied so two benchmarks do not clash.
        '--pg-port',
        String(25_500 + (process.pid % 4_000)),
      ],
      (seconds + warmupSeconds + 20) * streams.length * 1_000 + 120_000,
    );
    const results = (out as { results?: Record<string, number>[] }).results ?? [];
    return results.map((r) => {
      const committed = Number(r.server_committed_per_s) || 0;
      const per = (cores: unknown) =>
        committed > 0 ? Math.round((Number(cores) * 1e6) / committed) : 0;
      return {
        inflight: Number(r.inflight),
        perSecond: Number(r.reps_per_s),
        p99Ms: Number(r.p99_ms),
        serverCpuMicrosPerReplication: per(r.server_cpu_cores),
        postgresCpuMicrosPerReplication: per(r.pg_cpu_cores),
      };
    });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** The HTTP/2 + TLS transport alone on the core stream API (h2-noop.mjs), c sessions x 1. */
export async function runNoopProbe(
  dir: string,
  concurrencies: readonly number[],
  seconds: number,
): Promise<ProbeNoopStep[]> {
  const out = await runProbe(
    path.join(dir, 'h2-noop.mjs'),
    [
      '--api',
      'stream',
      '--runs',
      '1',
      '--duration',
      String(seconds),
      '--sessions',
      concurrencies.join(','),
      '--streams',
      '1',
    ],
    (seconds + 20) * concurrencies.length * 1_000 + 60_000,
  );
  const results = (out as { results?: Record<string, number>[] }).results ?? [];
  return results.map((r) => ({
    inflight: Number(r.inflight),
    perSecond: Number(r.rps),
    p99Ms: Number(r.p99_ms),
    serverCpuMicrosPerRequest: Number(r.server_cpu_us_per_req) || 0,
  }));
}

function runProbe(file: string, args: readonly string[], timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [file, ...args],
      {
        // The probes resolve `pg` from PROBES_DEPS: this project's own node_modules.
        env: { ...process.env, PROBES_DEPS: process.env.PROBES_DEPS ?? process.cwd() },
        timeout: timeoutMs,
        killSignal: 'SIGTERM',
        maxBuffer: 16 * 1024 * 1024,
        cwd: os.tmpdir(),
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`${path.basename(file)} failed: ${error.message}\n${stderr.slice(-2_000)}`),
          );
          return;
        }
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(line));
        } catch {
          reject(
            new Error(`${path.basename(file)} printed no JSON result:\n${stderr.slice(-2_000)}`),
          );
        }
      },
    );
  });
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
