import type { CapacitySearch, RunResult } from '../../simulator/metrics/contract.js';
import { shardSlice } from '../../simulator/run/simulation-options.js';
import {
  type CapacityResult,
  type CapacitySearchOptions,
  searchCapacity,
} from '../../simulator/workload/capacity.js';
import { parseSlo } from '../../simulator/workload/slo.js';
import type { RehearsalContext } from '../context.js';
import { type CapacityFindings, REHEARSAL_SLOS } from '../findings.js';
import { runPoolPhase } from '../generator/phase-run.js';
import { type CpuSpent, ProcessWatch } from '../process-watch.js';

/** ours: steps of 5 s let a queue build past the p99 SLO at 5 % over capacity; 1.8x grows fast. */
export const CAPACITY_SEARCH = {
  growth: 2,
  stepSeconds: 4,
  resolution: 0.05,
  maxBisections: 3,
  minSamplesPerStep: 100,
} as const;

export interface CapacityOutcome {
  readonly findings: CapacityFindings;
  readonly result: RunResult;
  readonly search: CapacityResult;
}

/**
 * The capacity search on every generator at once, with every agent's session held: rates
 * rise until the SLOs break, a break is confirmed, then the bracket between the last rate
 * that held and the first that broke is bisected (when the first rate breaks, rates step down
 * to `minRate` first, so a busy machine still says whether the plan's rate holds). Each step's CPU (server, PostgreSQL, the
 * whole machine) is read from /proc.
 */
export async function findCapacity(
  context: RehearsalContext,
  options: { agents: number; startRate: number; maxRate: number; minRate?: number },
): Promise<CapacityOutcome> {
  const { pool } = context;
  const shares = pool.slices.map((slice, i) =>
    Math.min(slice.count, shardSlice(options.agents, { index: i + 1, count: pool.size }).count),
  );
  const agents = shares.reduce((a, b) => a + b, 0);
  const slos = [`p99<${REHEARSAL_SLOS.p99Ms}ms`, `errors<${REHEARSAL_SLOS.errorRatio * 100}%`];
  const search: CapacitySearchOptions = {
    slos: slos.map((text) => parseSlo(text, 'slo')),
    startRate: options.startRate,
    maxRate: options.maxRate,
    ...(options.minRate !== undefined ? { minRate: options.minRate } : {}),
    lateThresholdMs: 1_000,
    ...CAPACITY_SEARCH,
  };
  context.feed.setPhase('capacity');
  context.log(
    `capacity search with ${agents.toLocaleString('en-US')} agents from ${Math.round(options.startRate)}/s (SLOs ${slos.join(', ')}), every session held`,
  );
  const spentByRate = new Map<number, { spent: CpuSpent; ok: number }>();
  let busyAtBreak: number | null = null;
  const { value, result } = await runPoolPhase(
    pool,
    { mode: 'capacity', intervalSeconds: null, timeScale: 1, options: { agents } },
    (play) =>
      searchCapacity(search, async (rate, seconds, label) => {
        const before = await context.watch.read();
        const played = await play(
          (_slice, i) => ({
            kind: 'rate',
            ratePerSecond: (rate * (shares[i] ?? 0)) / agents,
            seconds,
            agents: shares[i] ?? 0,
          }),
          label,
        );
        const spent = ProcessWatch.spent(before, await context.watch.read());
        spentByRate.set(round(rate), { spent, ok: played.ok });
        busyAtBreak = spent.machineBusyShare;
        context.log(
          `  ${label}: ${Math.round(played.ok / seconds)}/s ok, p99 ${Math.round(played.percentile(99))} ms, errors ${(played.errorRatio * 100).toFixed(2)} %, server ${pct(spent.serverSeconds / spent.wallSeconds)} of a core, PostgreSQL ${pct(spent.databaseSeconds / spent.wallSeconds)}, generator ${pct(spent.generatorSeconds / spent.wallSeconds)}, machine ${pct(spent.machineBusyShare)} busy, server waited for a core ${pct(spent.serverWaitShare)} of the time${played.generatorLimited ? ' (generator saturated)' : ''}`,
        );
        return played;
      }),
    toCapacitySearch,
  );
  context.feed.setCapacitySteps(value.curve);
  const heldStep =
    value.highestHeldRate === null ? undefined : spentByRate.get(round(value.highestHeldRate));
  const perReplication = (seconds: number | undefined) =>
    heldStep && heldStep.ok > 0 && seconds !== undefined ? (seconds * 1_000) / heldStep.ok : null;
  const lastBreak = [...value.curve].reverse().find((step) => !step.held);
  const breakSpent = lastBreak ? spentByRate.get(round(lastBreak.ratePerSecond))?.spent : undefined;
  const cores = (seconds: number) => (breakSpent ? seconds / breakSpent.wallSeconds : 0);
  const findings: CapacityFindings = {
    heldPerSecond: value.highestHeldRate,
    brokenPerSecond: value.brokenRate,
    maxRatePerSecond: options.maxRate,
    steps: value.curve.length,
    generatorLimitedBreak: value.generatorLimitedBreak,
    machineBusyAtBreak: breakSpent ? breakSpent.machineBusyShare : lastBreak ? busyAtBreak : null,
    machineLimitedBreak: breakSpent !== undefined && ProcessWatch.starved(breakSpent),
    coresAtBreak: breakSpent
      ? {
          server: cores(breakSpent.serverSeconds),
          database: cores(breakSpent.databaseSeconds),
          generator: cores(breakSpent.generatorSeconds),
        }
      : null,
    serverCpuMsPerReplication: perReplication(heldStep?.spent.serverSeconds),
    databaseCpuMsPerReplication: perReplication(heldStep?.spent.databaseSeconds),
    agents,
  };
  context.log(
    `capacity: held ${value.highestHeldRate ?? 'nothing'}${value.highestHeldRate !== null ? '/s' : ''}, broke at ${value.brokenRate ?? `none up to ${options.maxRate}`}${value.brokenRate !== null ? '/s' : ''}${value.generatorLimitedBreak ? ' (the generator was saturated at the break: a lower bound)' : findings.machineLimitedBreak ? ' (at the break the server waited for a core: the machine, not the server, ran out; a lower bound)' : ''}`,
  );
  return { findings, result, search: value };
}

function toCapacitySearch(result: CapacityResult): CapacitySearch {
  return {
    slos: result.slos,
    steps: result.curve.map((step) => ({
      rate: step.ratePerSecond,
      achievedPerSec: step.achievedPerSecond,
      p99Ms: step.p99Ms,
      errorRatio: step.errorRatio,
      passed: step.held,
    })),
    highestPassingRate: result.highestHeldRate,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
const pct = (share: number) => `${Math.round(share * 100)} %`;
