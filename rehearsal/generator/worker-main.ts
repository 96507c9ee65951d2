/**
 * A generator process of the rehearsal (forked by pool.ts): it holds one slice of the fleet,
 * its identities and persistent sessions, and plays whatever phase the parent asks for into a
 * recorder of its own. Every process runs on its own core, so a 2-core box gives the fleet
 * two event loops; the parent merges their figures exactly (HDR histograms).
 */
import { hostname } from 'node:os';
import type { VirtualAgent } from '../../simulator/agent/agent.js';
import { pendingLogCount } from '../../simulator/agent/outbox.js';
import { realClock } from '../../simulator/clock.js';
import { type EnrolledIdentity, enrollAgents } from '../../simulator/identity/enroll.js';
import type { RunMeta, RunMetrics, RunRecorder } from '../../simulator/metrics/contract.js';
import {
  DEFAULT_GENERATOR_LIMITS,
  type GeneratorLimits,
  judgeGeneratorHealth,
} from '../../simulator/metrics/generator-health.js';
import { encodeHistogram } from '../../simulator/metrics/histogram.js';
import { createRunMetrics } from '../../simulator/metrics/run-metrics.js';
import { WakeupLatency } from '../../simulator/push/push-figures.js';
import { TaskProbe } from '../../simulator/push/task-probe.js';
import { WakeupSessions } from '../../simulator/push/wakeup-sessions.js';
import { AgentFleet, type PlayOptions, type PlaySummary } from '../../simulator/run/agent-fleet.js';
import { type EachOnceOptions, EachOnceWorkload } from '../../simulator/workload/each-once.js';
import { FleetWorkload } from '../../simulator/workload/fleet.js';
import { RateWorkload } from '../../simulator/workload/rate.js';
import type {
  EncodedTaskDelivery,
  EncodedWindow,
  GeneratorEnvelope,
  GeneratorMessage,
  GeneratorReply,
  GeneratorRequest,
  GeneratorSetup,
  PlayReply,
  PlaySpec,
} from './messages.js';

const clock = realClock;
/**
 * ours: first contacts (and drain sends) in flight at once per generator: enough to keep the
 * server busy, few enough that none waits long enough to time out when it is slower than the
 * warm-up's rate cap.
 */
const WARM_UP_IN_FLIGHT = 32;
/** Where connections count before any phase began (none are made then). */
const IGNORED: RunRecorder = {
  recordReplication: () => {},
  recordRequest: () => {},
  count: () => {},
  setGauge: () => {},
  mark: () => {},
};
let setup: GeneratorSetup | undefined;
let identities: readonly EnrolledIdentity[] = [];
let fleet: AgentFleet | undefined;
/** With wake-ups on: the slice's push sessions, opened for the fleet run only. */
let push: { sessions: WakeupSessions; latency: WakeupLatency } | undefined;
let run: { id: number; metrics: RunMetrics; meta: Omit<RunMeta, 'endedAt'> } | undefined;
let runs = 0;

/** To the parent; once it is gone (a rehearsal stopping) there is no one left to tell. */
const send = (message: GeneratorMessage) => {
  if (process.connected) process.send?.(message, undefined, undefined, () => {});
};

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`generator: ${what} first`);
  return value;
}

function fleetOf(): AgentFleet {
  const s = need(setup, 'setup');
  if (s.wakeups && !push && !fleet)
    push = {
      sessions: new WakeupSessions({
        url: s.wakeups.pushUrl,
        caPem: s.target.caPem,
        // A prefix of the slice: positions stay those of the fleet's agents.
        identities: identities.slice(0, s.wakeups.sessions),
        seed: s.seed,
      }),
      latency: new WakeupLatency(),
    };
  const wakeups = push;
  fleet ??= new AgentFleet({
    target: s.target,
    connection: 'persistent',
    timeoutMs: s.timeoutMs,
    identities,
    firstIndex: s.first,
    behaviour: s.behaviour,
    recorder: run?.metrics ?? IGNORED,
    clock,
    ...(wakeups
      ? {
          wakeups: {
            listen: (handler) => wakeups.sessions.listen(handler),
            replicated: (at) => wakeups.latency.record(at),
          },
        }
      : {}),
  });
  return fleet;
}

async function handle(request: GeneratorRequest): Promise<GeneratorReply> {
  switch (request.op) {
    case 'setup':
      setup = request.setup;
      return {};
    case 'enroll': {
      const s = need(setup, 'setup');
      const started = performance.now();
      const have = request.have.slice(0, s.count);
      const missing = s.count - have.length;
      const batch =
        missing > 0
          ? await enrollAgents(missing, s.first + have.length, {
              target: s.target,
              token: request.token,
              timeoutMs: 30_000,
            })
          : { identities: [] };
      identities = [...have, ...batch.identities];
      return { identities, seconds: (performance.now() - started) / 1_000 };
    }
    case 'adopt':
      identities = request.identities;
      return {};
    case 'history':
      fleetOf().startAfterHistory(request.through);
      return {};
    case 'begin': {
      const s = need(setup, 'setup');
      const id = ++runs;
      const metrics = createRunMetrics({
        lateThresholdMs: s.lateThresholdMs,
        onSecond: (sample) => send({ event: 'second', run: id, sample }),
      });
      metrics.start();
      run = {
        id,
        metrics,
        meta: {
          mode: request.mode,
          target: s.target.url,
          agents: s.count,
          intervalSeconds: request.intervalSeconds,
          timeScale: request.timeScale,
          seed: s.seed,
          shard: s.shard,
          startedAt: new Date().toISOString(),
          options: request.options,
          generatorHost: hostname(),
        },
      };
      return {};
    }
    case 'play':
      return play(request.spec, request.label);
    case 'end': {
      const current = need(run, 'begin');
      run = undefined;
      current.metrics.stop();
      const result = current.metrics.finish({
        ...current.meta,
        endedAt: new Date().toISOString(),
        ...(request.capacity ? { capacity: request.capacity } : {}),
      });
      return { result };
    }
    case 'keep-opened':
      return { kept: fleetOf().keepOnly((agent) => agent.lastOkAtMs > 0) };
    case 'close-sessions':
      await fleetOf().closeSessions();
      return {};
    case 'positions': {
      const current = fleetOf();
      return { positions: current.ackPositions(), logs: current.logTotals() };
    }
    case 'stop':
      await push?.sessions.close();
      await fleet?.close();
      return {};
  }
}

async function play(spec: PlaySpec, label: string): Promise<PlayReply> {
  const s = need(setup, 'setup');
  const { metrics } = need(run, 'begin');
  const agents = fleetOf();
  const count = agents.agents.length;
  // Push sessions open before the play's clock starts: their TLS handshakes are not the fleet's.
  const opened = spec.kind === 'fleet' && push ? await push.sessions.open() : undefined;
  const window = metrics.openWindow(label);
  const secondsBefore = metrics.series().length;
  const start = clock.now();
  const until = (seconds: number) => start + seconds * 1_000;
  /** Every agent until it got through once (warm-up, storm, drain), ending when all did. */
  const eachOnce = (
    windowSeconds: number,
    maxSeconds: number,
    spread: 'even' | 'random',
    extra: Pick<EachOnceOptions, 'takesPart' | 'again'> = {},
    options: PlayOptions = {},
  ) =>
    agents.play(
      new EachOnceWorkload({
        startMs: start,
        endMs: until(maxSeconds),
        windowMs: windowSeconds * 1_000,
        spread,
        agentCount: count,
        seed: s.seed,
        clock,
        ...extra,
      }),
      metrics,
      { endWhenIdle: true, ...options },
    );
  // First contacts and drain sends carry no new logs (the seeded history comes after the
  // warm-up; a drain only empties outboxes), and go as fast as the server takes them.
  const quiet: PlayOptions = {
    behaviour: { logsPerReplication: 0 },
    maxInFlight: WARM_UP_IN_FLIGHT,
  };
  let summary: PlaySummary;
  let taskDelivery: EncodedTaskDelivery | undefined;
  if (spec.kind === 'warm-up') {
    summary = await eachOnce(count / spec.ratePerSecond, spec.maxSeconds, 'even', {}, quiet);
  } else if (spec.kind === 'rate') {
    summary = await agents.play(
      new RateWorkload(start, until(spec.seconds), spec.agents, spec.ratePerSecond),
      metrics,
      { agents: spec.agents },
    );
  } else if (spec.kind === 'fleet') {
    const probed = await withTaskProbe(s, agents, opened, () =>
      agents.play(
        new FleetWorkload({
          startMs: start,
          endMs: until(spec.seconds),
          agentCount: count,
          intervalSeconds: spec.intervalSeconds,
          timeScale: spec.timeScale,
          seed: s.seed,
        }),
        metrics,
      ),
    );
    summary = probed.summary;
    taskDelivery = probed.taskDelivery;
  } else if (spec.kind === 'storm') {
    summary = await eachOnce(spec.windowSeconds, spec.maxSeconds, 'random');
  } else {
    const pending = (agent: VirtualAgent) => pendingLogCount(agent) > 0;
    const waiting = agents.agents.filter(pending).length;
    summary = await eachOnce(
      waiting / spec.ratePerSecond,
      spec.maxSeconds,
      'even',
      { takesPart: pending, again: pending },
      quiet,
    );
  }
  const figures = window.close();
  const health = judgeGeneratorHealth(metrics.series().slice(secondsBefore), limitsFor(spec));
  const recovered = agents.recoveredSince(start);
  const encoded: EncodedWindow = {
    seconds: figures.durationSeconds,
    completed: figures.replications.completed,
    ok: figures.replications.ok,
    failed: figures.replications.failed,
    late: figures.replications.late,
    shed: figures.outcomes.shed_503,
    fromScheduled: encodeHistogram(figures.histograms.fromScheduled),
    fromSend: encodeHistogram(figures.histograms.fromSend),
  };
  return {
    window: encoded,
    summary,
    recovery: {
      recovered: recovered.recovered,
      lastOkSeconds: (recovered.lastOkAtMs - start) / 1_000,
    },
    openSessions: agents.openSessions,
    generator: { limited: health.generatorBottleneck, reasons: health.reasons },
    ...(taskDelivery ? { taskDelivery } : {}),
  };
}

/**
 * The fleet run with wake-ups on, as `smc simulate --wakeups on --task-probe` plays it: the
 * slice's sampled agents hold their push sessions (opened by `play` before its clock starts),
 * and the probe creates tasks on the console API for them (only they can tell it when a task
 * arrived). The sessions close
 * after the run, so the storm and the drain measure what they did before.
 */
async function withTaskProbe(
  s: GeneratorSetup,
  agents: AgentFleet,
  opened: { subscribed: number; failed: number } | undefined,
  body: () => Promise<PlaySummary>,
): Promise<{ summary: PlaySummary; taskDelivery?: EncodedTaskDelivery }> {
  if (!s.wakeups || !push || !opened) return { summary: await body() };
  const { sessions } = push;
  const probe = new TaskProbe({
    console: s.wakeups.console,
    agents: agents.agents.slice(0, s.wakeups.sessions),
    everyMs: s.wakeups.probeEveryMs,
    targetsPerTask: s.wakeups.probeTargets,
    seed: s.seed + s.shard.index,
  });
  agents.observeTasks(probe);
  probe.start();
  let summary: PlaySummary;
  try {
    summary = await body();
  } finally {
    probe.stop();
    agents.observeTasks(undefined);
    await sessions.close();
  }
  return {
    summary,
    taskDelivery: {
      sessionsSubscribed: opened.subscribed,
      sessionsFailed: opened.failed,
      wakeupsReceived: sessions.received,
      tasksCreated: probe.tasksCreated,
      targets: probe.targetsAsked,
      createFailures: probe.createFailures,
      createdToReceived: encodeHistogram(probe.toReceived),
      createdToResult: encodeHistogram(probe.toResult),
    },
  };
}

/**
 * When the generator counts as saturated. Where latency is judged against 250 ms (capacity
 * steps, the fleet run) 50 ms of loop lag already colours the p99; the warm-up, storm and
 * drain are judged in seconds (recovery, a bound), so only lag that large can mislead them.
 */
function limitsFor(spec: PlaySpec): GeneratorLimits {
  return spec.kind === 'rate' || spec.kind === 'fleet'
    ? DEFAULT_GENERATOR_LIMITS
    : { ...DEFAULT_GENERATOR_LIMITS, lagP99Ms: 1_000, cpuPercent: 95 };
}

// Requests are handled one at a time, in the order they came.
let queue: Promise<unknown> = Promise.resolve();
process.on('message', (envelope: GeneratorEnvelope) => {
  queue = queue.then(async () => {
    try {
      send({ id: envelope.id, ok: true, reply: await handle(envelope.request) });
    } catch (error) {
      send({ id: envelope.id, ok: false, error: (error as Error).message ?? String(error) });
    }
  });
});
// A generator never outlives its rehearsal: no parent, no reason to hold sessions open.
process.on('disconnect', () => {
  void Promise.resolve(fleet?.close()).finally(() => process.exit(0));
});
