import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import {
  isWorkerMessage,
  type WorkerEnvironment,
  type WorkerMessage,
  workerEnvironmentVariables,
} from './worker-env.js';

/**
 * The primary side of `smc serve --workers N`: N agent-plane processes on one port (node:cluster
 * hands each accepted connection to a worker in turn, so each holds its share of the sessions
 * and of the descriptors), one database, a group commit per process. A worker that dies is
 * started again (after 1 s, doubling to 30 s while it keeps dying within a minute of its
 * start); what it had acknowledged is in the database, its agents reconnect to the others.
 */
export interface AgentWorkersOptions {
  readonly workers: number;
  readonly databaseUrl: string;
  readonly log: (line: string) => void;
  /** How long a worker may take to start. @default 120000 */
  readonly startTimeoutMs?: number;
  /** How long a stopping worker may finish its in-flight replications. @default 30000 */
  readonly stopTimeoutMs?: number;
}

export interface ReadyWorkers {
  readonly agentUrl: string;
  readonly consoleUrl: string;
  readonly pushUrl: string | null;
}

const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that lived this long is healthy again: its next restart starts from 1 s. */
const STABLE_AFTER_MS = 60_000;

interface Slot {
  worker: Worker | null;
  startedAt: number;
  restartDelayMs: number;
  restarts: number;
}

export class AgentWorkers {
  private readonly slots: Slot[] = [];
  private readonly ticketKeys = randomBytes(48);
  private stopping = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: AgentWorkersOptions) {}

  /** Starts every worker; resolves when all listen (rejects, stopping them, if one cannot). */
  async start(): Promise<ReadyWorkers> {
    const ready = await Promise.all(
      Array.from({ length: this.options.workers }, (_, i) => {
        const slot: Slot = {
          worker: null,
          startedAt: 0,
          restartDelayMs: FIRST_RESTART_DELAY_MS,
          restarts: 0,
        };
        this.slots.push(slot);
        return this.fork(i + 1, slot);
      }),
    ).catch(async (error: unknown) => {
      await this.stop();
      throw error;
    });
    const lead = ready[0] as Extract<WorkerMessage, { kind: 'smc-worker-ready' }>;
    return { agentUrl: lead.agentUrl, consoleUrl: lead.consoleUrl, pushUrl: lead.pushUrl };
  }

  /** The workers' pids now (a restarted worker has a new one). */
  pids(): number[] {
    return this.slots.flatMap((slot) =>
      slot.worker?.process.pid ? [slot.worker.process.pid] : [],
    );
  }

  /** Restarts so far, all workers. */
  get restarts(): number {
    return this.slots.reduce((sum, slot) => sum + slot.restarts, 0);
  }

  /** SIGTERM to every worker (each finishes its in-flight replications), SIGKILL past the bound. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const bound = this.options.stopTimeoutMs ?? 30_000;
    await Promise.all(
      this.slots.map(async (slot) => {
        const worker = slot.worker;
        if (!worker || worker.isDead()) return;
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.process.kill('SIGTERM');
        const late = setTimeout(() => worker.process.kill('SIGKILL'), bound);
        await exited;
        clearTimeout(late);
      }),
    );
  }

  private fork(index: number, slot: Slot): Promise<WorkerMessage> {
    const env: WorkerEnvironment = {
      index,
      databaseUrl: this.options.databaseUrl,
      ticketKeys: this.ticketKeys,
    };
    const worker = cluster.fork(workerEnvironmentVariables(env));
    slot.worker = worker;
    slot.startedAt = Date.now();
    const startTimeoutMs = this.options.startTimeoutMs ?? 120_000;
    const started = new Promise<WorkerMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.process.kill('SIGKILL');
        reject(new Error(`worker ${index} did not start within ${startTimeoutMs / 1_000} s`));
      }, startTimeoutMs);
      const onMessage = (message: unknown) => {
        if (!isWorkerMessage(message)) return;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onEarlyExit);
        if (message.kind === 'smc-worker-failed')
          reject(new Error(`worker ${index}: ${message.message}`));
        else resolve(message);
      };
      const onEarlyExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        reject(new Error(`worker ${index} exited while starting (${signal ?? `exit ${code}`})`));
      };
      worker.on('message', onMessage);
      worker.once('exit', onEarlyExit);
    });
    started.then(
      () => worker.once('exit', (code, signal) => this.exited(index, slot, worker, code, signal)),
      () => {},
    );
    return started;
  }

  private exited(
    index: number,
    slot: Slot,
    worker: Worker,
    code: number | null,
    signal: string | null,
  ): void {
    if (this.stopping || slot.worker !== worker) return;
    slot.worker = null;
    const lived = Date.now() - slot.startedAt;
    if (lived >= STABLE_AFTER_MS) slot.restartDelayMs = FIRST_RESTART_DELAY_MS;
    this.options.log(
      `worker ${index} (pid ${worker.process.pid}) died (${signal ?? `exit ${code}`}) after ${(lived / 1_000).toFixed(0)} s; its agents reconnect to the others`,
    );
    this.restartLater(index, slot);
  }

  /** Starts the slot's worker again after its delay; one that fails to start is tried again. */
  private restartLater(index: number, slot: Slot): void {
    const delay = slot.restartDelayMs;
    slot.restartDelayMs = Math.min(MAX_RESTART_DELAY_MS, slot.restartDelayMs * 2);
    this.options.log(`starting worker ${index} again in ${delay / 1_000} s`);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopping) return;
      slot.restarts += 1;
      this.fork(index, slot).then(
        () => this.options.log(`worker ${index} is back (pid ${slot.worker?.process.pid})`),
        (error: Error) => {
          this.options.log(`worker ${index} did not come back: ${error.message}`);
          slot.worker = null;
          if (!this.stopping) this.restartLater(index, slot);
        },
      );
    }, delay);
    this.timers.add(timer);
  }
}
