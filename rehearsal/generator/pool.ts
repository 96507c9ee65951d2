import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SecondSample } from '../../simulator/metrics/contract.js';
import {
  decodeHistogram,
  mergeEncodedHistograms,
  percentileMs,
} from '../../simulator/metrics/histogram.js';
import { mergeSecondSamples } from '../../simulator/report/merge.js';
import { shardSlice } from '../../simulator/run/simulation-options.js';
import type { StepMeasure } from '../../simulator/workload/slo.js';
import type {
  EncodedWindow,
  GeneratorEnvelope,
  GeneratorMessage,
  GeneratorReply,
  GeneratorRequest,
  GeneratorSetup,
  PlayReply,
} from './messages.js';
import { mergeTaskDelivery, type TaskDeliveryFigures } from './task-delivery.js';

const WORKER = fileURLToPath(new URL('./worker-main.js', import.meta.url));

interface Pending {
  resolve(reply: GeneratorReply): void;
  reject(error: Error): void;
}

/** A generator process and the requests it has not answered yet. */
interface Generator {
  readonly process: ChildProcess;
  readonly slice: { readonly first: number; readonly count: number };
  readonly pending: Map<number, Pending>;
  exited: string | null;
}

/**
 * The rehearsal's load generator: one process per core, each holding a contiguous slice of
 * the fleet as `--shard i/n` would. Requests go to every generator at once; the answers come
 * back in generator order. Each second's samples are merged across generators (counts add,
 * the worst lag and CPU show) and handed to `onSecond` once every generator has reported it.
 */
export class GeneratorPool {
  private nextId = 1;
  private readonly seconds = new Map<string, SecondSample[]>();

  private constructor(
    private readonly generators: readonly Generator[],
    private readonly onSecond: (sample: SecondSample) => void,
  ) {}

  static async start(options: {
    readonly processes: number;
    readonly agents: number;
    readonly setup: (
      slice: { first: number; count: number },
      shard: GeneratorSetup['shard'],
    ) => GeneratorSetup;
    readonly onSecond?: (sample: SecondSample) => void;
  }): Promise<GeneratorPool> {
    const count = Math.max(1, Math.min(options.processes, options.agents));
    const generators: Generator[] = [];
    for (let index = 1; index <= count; index++) {
      const slice = shardSlice(options.agents, { index, count });
      const child = fork(WORKER, [], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        serialization: 'advanced',
      });
      generators.push({ process: child, slice, pending: new Map(), exited: null });
    }
    const pool = new GeneratorPool(generators, options.onSecond ?? (() => {}));
    generators.forEach((generator, i) => {
      pool.listen(generator, i);
    });
    await pool.each((generator, i) => ({
      op: 'setup',
      setup: options.setup(generator.slice, { index: i + 1, count }),
    }));
    return pool;
  }

  get size(): number {
    return this.generators.length;
  }

  /** The generator processes' ids (their CPU is read from /proc). */
  get pids(): number[] {
    return this.generators.map((g) => g.process.pid ?? 0).filter((pid) => pid > 0);
  }

  /** Each generator's slice of the fleet, in order. */
  get slices(): readonly { first: number; count: number }[] {
    return this.generators.map((g) => g.slice);
  }

  /** Sends the same request to every generator. */
  all<T extends GeneratorReply>(request: GeneratorRequest): Promise<T[]> {
    return this.each(() => request) as Promise<T[]>;
  }

  /** Sends each generator its own request (e.g. its share of a rate). */
  each<T extends GeneratorReply>(
    request: (
      generator: { slice: { first: number; count: number } },
      index: number,
    ) => GeneratorRequest,
  ): Promise<T[]> {
    return Promise.all(
      this.generators.map((generator, i) => this.ask(generator, request(generator, i))),
    ) as Promise<T[]>;
  }

  /**
   * Stops every generator and waits for the processes to exit. Each is asked to close its
   * sessions first (for at most a few seconds: one busy with a phase is not waited for), then
   * disconnected, which ends it; one that has not exited 5 s later is killed.
   */
  async stop(): Promise<void> {
    const asked = Promise.allSettled(
      this.generators.map((g) => (g.exited ? Promise.resolve({}) : this.ask(g, { op: 'stop' }))),
    );
    await Promise.race([asked, new Promise((resolve) => setTimeout(resolve, 3_000).unref())]);
    await Promise.all(
      this.generators.map(
        (g) =>
          new Promise<void>((resolve) => {
            if (g.process.exitCode !== null || g.process.signalCode !== null) return resolve();
            const timer = setTimeout(() => g.process.kill('SIGKILL'), 5_000);
            g.process.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            if (g.process.connected) g.process.disconnect();
            else g.process.kill('SIGTERM');
          }),
      ),
    );
  }

  private ask(generator: Generator, request: GeneratorRequest): Promise<GeneratorReply> {
    if (generator.exited) return Promise.reject(new Error(generator.exited));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      generator.pending.set(id, { resolve, reject });
      const envelope: GeneratorEnvelope = { id, request };
      generator.process.send(envelope, (error) => {
        if (!error) return;
        generator.pending.delete(id);
        reject(error);
      });
    });
  }

  private listen(generator: Generator, index: number): void {
    generator.process.on('message', (message: GeneratorMessage) => {
      if ('event' in message) {
        this.collectSecond(message.run, message.sample);
        return;
      }
      const waiting = generator.pending.get(message.id);
      if (!waiting) return;
      generator.pending.delete(message.id);
      if (message.ok) waiting.resolve(message.reply);
      else waiting.reject(new Error(`generator ${index + 1}: ${message.error}`));
    });
    generator.process.once('exit', (code, signal) => {
      generator.exited = `generator ${index + 1} exited (${signal ?? `code ${code}`})`;
      for (const waiting of generator.pending.values()) waiting.reject(new Error(generator.exited));
      generator.pending.clear();
    });
  }

  private collectSecond(run: number, sample: SecondSample): void {
    const key = `${run}:${sample.second}`;
    const list = this.seconds.get(key) ?? [];
    list.push(sample);
    if (list.length < this.generators.length) {
      this.seconds.set(key, list);
      return;
    }
    this.seconds.delete(key);
    this.onSecond(mergeSecondSamples(sample.second, list));
  }
}

/** One play merged over every generator: its figures, and how its agents and generators did. */
export interface MergedPlay extends StepMeasure {
  readonly seconds: number;
  readonly ok: number;
  readonly shed: number;
  /** The merged from-scheduled and from-send histograms, encoded. */
  readonly fromScheduled: string;
  readonly fromSend: string;
  readonly minReplicationsPerAgent: number;
  readonly meanReplicationsPerAgent: number;
  readonly recovered: number;
  /** Seconds from the play's start until its last agent's first success. */
  readonly lastOkSeconds: number;
  readonly openSessions: number;
  readonly generatorReasons: readonly string[];
  /** Why replications failed (not shed), over every generator. */
  readonly failures: readonly { readonly reason: string; readonly count: number }[];
  /** The fleet run with wake-ups on: task delivery latency over every generator's probe. */
  readonly taskDelivery?: TaskDeliveryFigures;
}

/** Merges the generators' answers to one play; percentiles come from the merged histogram. */
export function mergePlays(replies: readonly PlayReply[]): MergedPlay {
  const windows = replies.map((r) => r.window);
  const sum = (pick: (w: EncodedWindow) => number) => windows.reduce((t, w) => t + pick(w), 0);
  const fromScheduled = mergeEncodedHistograms(
    windows.map((w) => w.fromScheduled),
    'fromScheduled',
  );
  const fromSend = mergeEncodedHistograms(
    windows.map((w) => w.fromSend),
    'fromSend',
  );
  const latency = decodeHistogram(fromScheduled, 'fromScheduled');
  const completed = sum((w) => w.completed);
  const failed = sum((w) => w.failed);
  const agents = replies.reduce((t, r) => t + r.summary.agents, 0);
  const reasons = replies.flatMap((r, i) =>
    r.generator.reasons.map((why) => `generator ${i + 1}: ${why}`),
  );
  return {
    seconds: Math.max(0, ...windows.map((w) => w.seconds)),
    completed,
    ok: sum((w) => w.ok),
    failed,
    late: sum((w) => w.late),
    shed: sum((w) => w.shed),
    errorRatio: completed > 0 ? failed / completed : 0,
    percentile: (p: number) => percentileMs(latency, p),
    fromScheduled,
    fromSend,
    generatorLimited: replies.some((r) => r.generator.limited),
    generatorReasons: reasons,
    minReplicationsPerAgent: Math.min(...replies.map((r) => r.summary.minReplicationsPerAgent)),
    meanReplicationsPerAgent:
      agents > 0
        ? replies.reduce((t, r) => t + r.summary.meanReplicationsPerAgent * r.summary.agents, 0) /
          agents
        : 0,
    recovered: replies.reduce((t, r) => t + r.recovery.recovered, 0),
    lastOkSeconds: Math.max(0, ...replies.map((r) => r.recovery.lastOkSeconds)),
    openSessions: replies.reduce((t, r) => t + r.openSessions, 0),
    failures: mergeFailures(replies.flatMap((r) => r.summary.failures)),
    ...mergeTaskDelivery(replies),
  };
}

function mergeFailures(
  all: readonly { reason: string; count: number }[],
): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const { reason, count } of all) counts.set(reason, (counts.get(reason) ?? 0) + count);
  return [...counts]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, 5);
}
