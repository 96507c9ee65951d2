import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PostgresBinaries } from './binaries.js';
import { EmbeddedPostgresError, lastLines } from './errors.js';
import type { RunAs } from './run-as.js';
import { type Watchdog, watchPostmaster } from './watchdog.js';

export interface PostmasterOptions {
  readonly cluster: string;
  readonly port: number;
  readonly binaries: PostgresBinaries;
  readonly runAs: RunAs | undefined;
  readonly flags: readonly string[];
  readonly onLog: (line: string) => void;
  readonly startTimeoutMs: number;
}

export interface Postmaster {
  readonly pid: number;
  /** Fast shutdown (SIGINT), immediate (SIGQUIT) if it has not exited after 30 s. */
  stop(): Promise<void>;
}

/** Thrown when the port was taken between choosing it and PostgreSQL binding it. */
export class PortTakenError extends EmbeddedPostgresError {}

/**
 * Runs `postgres -D cluster` in its own process group (a Ctrl-C on the terminal reaches smc,
 * which then stops the database in order, after its last commit) with a watchdog that stops
 * it if smc dies. Ready when postmaster.pid says so (what pg_ctl waits for, locale-proof).
 */
export async function startPostmaster(options: PostmasterOptions): Promise<Postmaster> {
  const { cluster } = options;
  const child = spawn(
    options.binaries.postgres,
    ['-D', cluster, '-p', String(options.port), ...options.flags],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
      ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
      env: { ...process.env, LC_ALL: 'C' },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderr = (stderr + text).slice(-8_000);
    for (const line of text.split('\n')) if (line.trim()) options.onLog(line);
  });
  const exited = new Promise<{ code: number | null; signal: string | null; error?: Error }>(
    (resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    },
  );
  const pid = child.pid;
  const watchdog: Watchdog | undefined = pid ? watchPostmaster(pid) : undefined;

  const gone = { value: false };
  void exited.then(() => {
    gone.value = true;
  });
  const ready = pid ? await waitReady(cluster, pid, options.startTimeoutMs, gone) : false;
  if (!ready || !pid) {
    watchdog?.release();
    child.kill('SIGQUIT');
    const failure = (await Promise.race([
      exited,
      new Promise((r) => setTimeout(r, 2_000, undefined)),
    ])) as { code: number | null; signal: string | null; error?: Error } | undefined;
    if (/could not bind|Address already in use/i.test(stderr)) {
      throw new PortTakenError(`embedded PostgreSQL: port ${options.port} is taken`);
    }
    const how = gone.value
      ? (failure?.error?.message ?? failure?.signal ?? `exit ${failure?.code}`)
      : `not ready within ${Math.round(options.startTimeoutMs / 1000)} s`;
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL did not start in ${cluster} (${how}): ${lastLines(stderr) || 'no output'}`,
    );
  }
  return { pid, stop: () => stopChild(child, exited, watchdog) };
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<unknown>,
  watchdog: Watchdog | undefined,
): Promise<void> {
  watchdog?.release();
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGQUIT'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Polls postmaster.pid until its first line is our pid and its status line reads "ready". */
async function waitReady(
  cluster: string,
  pid: number,
  timeoutMs: number,
  gone: { readonly value: boolean },
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const file = path.join(cluster, 'postmaster.pid');
  while (Date.now() < deadline && !gone.value) {
    const lines = await readFile(file, 'utf8').then(
      (text) => text.split('\n'),
      () => [] as string[],
    );
    if (Number(lines[0]) === pid && lines[7]?.trim() === 'ready') return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
