import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The simulator's own generator (`smc simulate --rate`, the built CLI in a child process)
 * against the benchmark's server, so the figure a rehearsal shows and the benchmark's can be
 * put side by side. A first short run enrolls the agents into an identity cache; the measured
 * run reuses it, so its window holds replications only. Bounded by --duration plus a margin.
 */
export interface SimulatorRun {
  readonly rate: number;
  readonly seconds: number;
  readonly agents: number;
  /** Replications answered 200 per second over the run. */
  readonly perSecond: number;
  readonly ok: number;
  readonly failed: number;
  /** Latency from the scheduled time (the simulator's own measure), over the run. */
  readonly p99Ms: number | null;
  readonly p50Ms: number | null;
}

const SMC = fileURLToPath(new URL('../../bin/smc.js', import.meta.url));

export interface SimulatorTarget {
  readonly agentUrl: string;
  readonly caFile: string;
  readonly token: string;
  /** A folder of its own for the identity cache and the JSON result. */
  readonly folder: string;
}

function commonArgs(target: SimulatorTarget, agents: number): string[] {
  return [
    'simulate',
    '--target',
    target.agentUrl,
    '--ca',
    target.caFile,
    '--enroll-token',
    target.token,
    '--identities',
    path.join(target.folder, 'identities'),
    '--agents',
    String(agents),
    '--min-replications',
    '1',
  ];
}

/** Enrolls (and caches) every identity with a short slow run; not measured. */
export async function primeSimulator(target: SimulatorTarget, agents: number): Promise<void> {
  await smc([...commonArgs(target, agents), '--rate', '100/s', '--duration', '3s'], 600_000);
}

/** The measured run, on the cached identities (its sessions' handshakes are in its window). */
export async function runSimulator(
  target: SimulatorTarget,
  agents: number,
  rate: number,
  seconds: number,
): Promise<SimulatorRun> {
  const json = path.join(target.folder, 'simulate.json');
  await smc(
    [
      ...commonArgs(target, agents),
      '--rate',
      `${rate}/s`,
      '--duration',
      `${seconds}s`,
      '--json',
      json,
    ],
    seconds * 1_000 + 120_000,
  );
  const result = JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown>;
  return summarise(result, rate, seconds, agents);
}

/** Reads the fields of the simulator's result file (simulator/metrics/run-result.ts). */
function summarise(
  result: Record<string, unknown>,
  rate: number,
  seconds: number,
  agents: number,
): SimulatorRun {
  const derived = result.derived as
    | {
        replications?: { ok?: number; failed?: number };
        rates?: { achievedPerSec?: number };
        latencyFromScheduled?: { p50Ms?: number; p99Ms?: number };
      }
    | undefined;
  if (!derived?.rates || !derived.replications)
    throw new Error('smc simulate wrote a result without derived figures');
  return {
    rate,
    seconds,
    agents,
    perSecond: Math.round(derived.rates.achievedPerSec ?? 0),
    ok: derived.replications.ok ?? 0,
    failed: derived.replications.failed ?? 0,
    p99Ms: derived.latencyFromScheduled?.p99Ms ?? null,
    p50Ms: derived.latencyFromScheduled?.p50Ms ?? null,
  };
}

function smc(args: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [SMC, ...args],
      { timeout: timeoutMs, killSignal: 'SIGTERM', maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        // Exit 99 is a failed gate; this run sets none, so any non-zero exit is a failure.
        if (error)
          reject(new Error(`smc simulate failed: ${error.message}\n${stderr.slice(-2_000)}`));
        else resolve();
      },
    );
  });
}
