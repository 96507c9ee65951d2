/**
 * What the primary of `smc serve --workers N` tells each agent-plane worker, by environment
 * (cluster.fork re-runs the same command line, so flags arrive unchanged; only this differs).
 */
export interface WorkerEnvironment {
  /** 1-based; worker 1 also runs the console API, the push broker and the retention job. */
  readonly index: number;
  /** The database the primary started (embedded) or was given, migrations applied. */
  readonly databaseUrl: string;
  /** Shared TLS session ticket keys, so a session resumes on any worker. */
  readonly ticketKeys: Buffer;
}

const INDEX = 'SMC_SERVE_WORKER';
const DATABASE_URL = 'SMC_SERVE_WORKER_DATABASE_URL';
const TICKET_KEYS = 'SMC_SERVE_WORKER_TICKET_KEYS';

export function workerEnvironmentVariables(env: WorkerEnvironment): Record<string, string> {
  return {
    [INDEX]: String(env.index),
    [DATABASE_URL]: env.databaseUrl,
    [TICKET_KEYS]: env.ticketKeys.toString('base64'),
  };
}

/** The worker's environment, or null in a process the primary did not fork. */
export function readWorkerEnvironment(
  source: NodeJS.ProcessEnv = process.env,
): WorkerEnvironment | null {
  const index = Number(source[INDEX]);
  const databaseUrl = source[DATABASE_URL];
  const keys = source[TICKET_KEYS];
  if (!Number.isInteger(index) || index < 1 || !databaseUrl || !keys) return null;
  return { index, databaseUrl, ticketKeys: Buffer.from(keys, 'base64') };
}

/** Messages a worker sends its primary over the cluster channel. */
export type WorkerMessage =
  | {
      readonly kind: 'smc-worker-ready';
      readonly index: number;
      readonly agentUrl: string;
      readonly consoleUrl: string;
      readonly pushUrl: string | null;
    }
  | { readonly kind: 'smc-worker-failed'; readonly index: number; readonly message: string };

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'smc-worker-ready' || kind === 'smc-worker-failed';
}
