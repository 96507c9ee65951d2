import type { RehearsalVerdictWord } from '../protocol/index.js';
import type { SizingPlan } from '../sizing/index.js';
import {
  type ClientsCarried,
  clientsCarried,
  type Intervals,
  intervalsFor,
  PASS_HEADROOM,
} from './carrying.js';
import { FILES_BESIDES_SESSIONS } from './feasibility.js';
import { REHEARSAL_SLOS, type RehearsalFindings, type SloLimits } from './findings.js';
import type { MachineRecord } from './machine.js';

export { PASS_HEADROOM };

/** What held the rehearsal back, when something did. */
export type Limiter = 'server' | 'generator' | 'machine' | 'data';

export interface RehearsalVerdict {
  readonly verdict: RehearsalVerdictWord;
  /** Every reason the verdict is not PASS, most serious first; empty on PASS. */
  readonly reasons: readonly string[];
  /** What limited the run (or its measurement). */
  readonly limitedBy: readonly Limiter[];
  readonly clients: number;
  readonly requiredRatePerSecond: number;
  readonly peakRatePerSecond: number;
  /** Measured: the bracket of the capacity search. */
  readonly capacity: {
    readonly heldPerSecond: number | null;
    readonly brokenPerSecond: number | null;
  };
  /** Derived: held / required. */
  readonly headroom: number | null;
  /** Derived from the held rate; never below the plan's minimum. */
  readonly intervals: Intervals;
  /** Derived: the smallest of rate, sessions and storm, never past 10x what was played. */
  readonly clientsCarried: ClientsCarried;
  readonly lostLogs: number | null;
}

/**
 * The verdict, from what the rehearsal measured. Rules, each a reason when broken:
 * - data loss (an acknowledged log the server does not hold) is FAIL, whatever else happened;
 * - a server that did not hold the plan: no capacity, headroom under 1x, a fleet run or storm
 *   outside the SLOs, sessions it did not keep, logs it never acknowledged (undrained), too few
 *   samples to judge: FAIL;
 * - the same symptoms while the generator was saturated are INCONCLUSIVE (the generator may
 *   have caused them), never PASS; a clean run whose fleet or storm the generator limited is
 *   INCONCLUSIVE too;
 * - headroom between 1x and 2x is MARGINAL;
 * - PASS needs all of it clean.
 */
export function judgeRehearsal(
  plan: SizingPlan,
  findings: RehearsalFindings,
  machine: Pick<MachineRecord, 'memoryBytes'>,
  slo: SloLimits = REHEARSAL_SLOS,
): RehearsalVerdict {
  const clients = plan.input.clients;
  const required = plan.replication.requiredRatePerSecond;
  const fails: string[] = [];
  const unsure: string[] = [];
  const marginal: string[] = [];
  const limitedBy = new Set<Limiter>();
  const { capacity, fleet, storm, logs, warmUp, sessions } = findings;
  /**
   * A server symptom, unless the generator was saturated at the time (it may be its own
   * doing) or the machine was (the generator and the rest took the server's cores).
   */
  const symptom = (text: string, cause: boolean | 'generator' | 'machine') => {
    const who = cause === true ? 'generator' : cause;
    if (who === 'generator') {
      unsure.push(`${text} (the generator was saturated: it may be its own doing)`);
      limitedBy.add('generator');
    } else if (who === 'machine') {
      unsure.push(`${text} (the server waited for a core: the machine's other work held it back)`);
      limitedBy.add('machine');
    } else {
      fails.push(text);
      limitedBy.add('server');
    }
  };

  if (logs.lost === null) {
    fails.push('the acknowledged logs could not be checked against the server');
    limitedBy.add('data');
  } else if (logs.lost > 0) {
    fails.push(`${fmt(logs.lost)} acknowledged logs are not stored: data loss`);
    limitedBy.add('server');
  }

  // Past the server process's open-files limit this machine cannot hold the plan's sessions
  // (a deployment sets its own limit: smc's systemd units allow 1,048,576).
  const filesCap = openFilesNote(sessions);
  const warmCause = filesCap ? 'machine' : warmUp.generator.limited;
  const replicated = warmUp.agentsReplicated ?? warmUp.sessionsOpened;
  if (replicated < warmUp.agents) {
    symptom(
      `only ${fmt(replicated)} of ${fmt(warmUp.agents)} agents replicated in the warm-up`,
      warmCause,
    );
  } else if (warmUp.sessionsOpened < warmUp.agents) {
    symptom(
      `every agent replicated in the warm-up, but only ${fmt(warmUp.sessionsOpened)} of the ${fmt(warmUp.agents)} sessions stayed open`,
      warmCause,
    );
  }
  if (sessions.heldAfterWarmUp < sessions.wanted) {
    symptom(
      `the server held ${fmt(sessions.heldAfterWarmUp)} of ${fmt(sessions.wanted)} sessions after the warm-up${filesCap}`,
      warmCause,
    );
  }

  const held = capacity.heldPerSecond;
  const capacityCause: false | 'generator' | 'machine' = capacity.generatorLimitedBreak
    ? 'generator'
    : capacity.machineLimitedBreak
      ? 'machine'
      : false;
  const headroom = held !== null && required > 0 ? held / required : null;
  if (held === null) {
    symptom(
      `no step of the capacity search held the SLOs (the first, ${fmt(capacity.brokenPerSecond ?? 0)}/s, broke)`,
      capacityCause,
    );
  } else if (headroom !== null && headroom < 1) {
    symptom(`the server held ${fmt(held)}/s but the plan needs ${fmt(required)}/s`, capacityCause);
  } else if (headroom !== null && headroom < PASS_HEADROOM) {
    if (capacityCause) {
      unsure.push(
        `headroom ${headroom.toFixed(1)}x is under ${PASS_HEADROOM}x, but the ${capacityCause} limited the search: the server may hold more`,
      );
      limitedBy.add(capacityCause);
    } else {
      marginal.push(
        `headroom ${headroom.toFixed(1)}x is under the ${PASS_HEADROOM}x the guide's example keeps`,
      );
    }
  }

  if (!fleet) {
    if (held !== null) fails.push('the fleet run did not take place');
  } else {
    const g = phaseCause(fleet);
    if (fleet.completed < 100 || fleet.intervalsCovered < 1) {
      fails.push(
        `not enough data in the fleet run: ${fmt(fleet.completed)} replications over ${fleet.intervalsCovered.toFixed(2)} intervals`,
      );
      limitedBy.add('data');
    }
    if (fleet.errorRatio > slo.errorRatio)
      symptom(
        `the fleet run failed ${pct(fleet.errorRatio)} of its replications (SLO ${pct(slo.errorRatio)})`,
        g,
      );
    if (fleet.p99Ms > slo.p99Ms)
      symptom(
        `the fleet run's p99 from schedule was ${fmt(fleet.p99Ms)} ms (SLO ${slo.p99Ms} ms)`,
        g,
      );
    if (fleet.lateRatio > slo.lateRatio)
      symptom(`${pct(fleet.lateRatio)} of the fleet run's replications started late`, g);
    if (fleet.minReplicationsPerAgent < 3)
      symptom(
        `some agents replicated only ${fleet.minReplicationsPerAgent} times in the fleet run (3 wanted)`,
        g,
      );
    if (fleet.generator.limited && !unsure.some((r) => r.includes('fleet run'))) {
      unsure.push(
        `the generator was saturated during the fleet run: ${fleet.generator.reasons[0] ?? ''}`,
      );
      limitedBy.add('generator');
    }
  }

  if (storm) {
    const g = phaseCause(storm);
    if (storm.recovered < storm.agents)
      symptom(
        `${fmt(storm.agents - storm.recovered)} of ${fmt(storm.agents)} agents had not got through ${fmt(storm.boundSeconds)} s after the reconnect storm began`,
        g,
      );
    else if (storm.recoverySeconds > storm.boundSeconds)
      symptom(
        `the fleet took ${fmt(storm.recoverySeconds)} s to recover from the storm (bound ${fmt(storm.boundSeconds)} s)`,
        g,
      );
    const otherShare = storm.attempts > 0 ? storm.otherFailures / storm.attempts : 0;
    if (otherShare > slo.errorRatio)
      symptom(
        `in the storm ${pct(otherShare)} of attempts failed without a 503 + Retry-After (timeouts, resets): the server did not shed cleanly`,
        g,
      );
    if (storm.generator.limited && !unsure.some((r) => r.includes('storm'))) {
      unsure.push(
        `the generator was saturated during the storm: ${storm.generator.reasons[0] ?? ''}`,
      );
      limitedBy.add('generator');
    }
  } else if (fleet) {
    fails.push('the reconnect storm did not take place');
  }
  if (storm && sessions.heldAfterStorm !== null && sessions.heldAfterStorm < sessions.wanted) {
    symptom(
      `the server held ${fmt(sessions.heldAfterStorm)} of ${fmt(sessions.wanted)} sessions after the storm${filesCap}`,
      filesCap ? 'machine' : phaseCause(storm),
    );
  }

  if (logs.pendingAfterDrain > 0) {
    fails.push(
      `${fmt(logs.pendingAfterDrain)} logs were never acknowledged, even after a ${fmt(logs.drainSeconds)} s drain`,
    );
    limitedBy.add('server');
  }

  const verdict: RehearsalVerdictWord =
    fails.length > 0
      ? 'fail'
      : unsure.length > 0
        ? 'inconclusive'
        : marginal.length > 0
          ? 'marginal'
          : 'pass';
  return {
    verdict,
    reasons: [...fails, ...unsure, ...marginal],
    limitedBy: [...limitedBy],
    clients,
    requiredRatePerSecond: required,
    peakRatePerSecond: plan.replication.peakRatePerSecond,
    capacity: { heldPerSecond: held, brokenPerSecond: capacity.brokenPerSecond },
    headroom,
    intervals: intervalsFor(clients, held),
    clientsCarried: clientsCarried({
      clients,
      intervalSeconds: plan.replication.intervalSeconds,
      heldPerSecond: held,
      storm: storm && {
        agents: storm.agents,
        recovered: storm.recovered,
        recoverySeconds: storm.recoverySeconds,
        boundSeconds: storm.boundSeconds,
        windowSeconds: storm.windowSeconds,
        planWindowSeconds: storm.planWindowSeconds,
      },
      sessions: {
        held: sessions.heldAfterWarmUp,
        bytesPerSession: sessions.serverBytesPerSession,
        serverBaseBytes: sessions.serverRssBeforeBytes,
        databaseBytes: sessions.databaseRssBytes,
        machineMemoryBytes: machine.memoryBytes,
      },
    }),
    lostLogs: logs.lost,
  };
}

/** Why a server fell short of sessions, when its open-files limit explains it. */
function openFilesNote(sessions: RehearsalFindings['sessions']): string {
  const limit = sessions.serverOpenFilesLimit;
  const processes = sessions.serverProcesses ?? 1;
  if (limit === null) return '';
  const perProcess = Math.ceil(sessions.wanted / processes);
  // Each process's share against its own limit: with --workers the limit is per process.
  if (perProcess + FILES_BESIDES_SESSIONS <= limit) return '';
  return `: ${processes === 1 ? 'one server process' : `each of ${processes} server processes`} may hold ${fmt(limit)} open files (ulimit -n), one per session; raise the limit where it runs (e.g. LimitNOFILE=${2 ** Math.ceil(Math.log2(perProcess * 1.25))} in its systemd unit)`;
}

/** What besides the server may have caused a phase's symptoms. */
function phaseCause(phase: {
  readonly generator: { readonly limited: boolean };
  readonly machineStarved: boolean;
}): false | 'generator' | 'machine' {
  return phase.generator.limited ? 'generator' : phase.machineStarved ? 'machine' : false;
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
const pct = (ratio: number) => `${(ratio * 100).toFixed(ratio < 0.01 ? 2 : 1)} %`;
