import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadyFile } from '../../protocol/index.js';
import { consoleRequest } from './server-console.js';

/** The built CLI, beside this file in dist/ (dist/benchmarks/lib -> dist/bin/smc.js). */
const SMC = fileURLToPath(new URL('../../bin/smc.js', import.meta.url));
/** Embedded PostgreSQL's first start (initdb) plus N workers on a loaded 2-core box. */
const READY_TIMEOUT_MS = 180_000;
/** SIGTERM lets every worker finish its in-flight replications; then it is killed by pid. */
const STOP_TIMEOUT_MS = 60_000;

export interface ServeChildProps {
  /** Agent-plane processes (`--workers`); 1 is plain `smc serve`. */
  readonly workers: number;
  /** Prefix of the temporary folder under the OS temp dir. */
  readonly label: string;
}

/**
 * A real `smc serve` (the built dist/bin/smc.js) as a child process on embedded PostgreSQL in a
 * temporary folder, on free loopback ports and without a push broker: what an operator runs,
 * so `--workers N` is measured as N separate processes, which bench:server (the server inside
 * its own process) cannot do. `stop()` sends SIGTERM, waits, and removes the folder.
 */
export class ServeChild {
  private constructor(
    readonly folder: string,
    readonly ready: ReadyFile,
    readonly caPem: string,
    readonly adminToken: string,
    /** The embedded PostgreSQL's postmaster (its children are the backends). */
    readonly postmasterPid: number,
    private readonly child: ChildProcess,
    private readonly logFile: string,
  ) {}

  static async start(props: ServeChildProps): Promise<ServeChild> {
    const folder = await mkdtemp(path.join(os.tmpdir(), `smc-bench-${props.label}-`));
    // As root, PostgreSQL runs as its own system user, which must be able to traverse here.
    await chmod(folder, 0o711);
    const dataDir = path.join(folder, 'data');
    const readyFile = path.join(folder, 'ready.json');
    const logFile = path.join(folder, 'serve.log');
    const log = createWriteStream(logFile);
    const args = [
      SMC,
      'serve',
      '--data-dir',
      dataDir,
      '--agent-port',
      '0',
      '--console-port',
      '0',
      '--no-push',
      '--log-level',
      'warn',
      '--ready-file',
      readyFile,
      ...(props.workers > 1 ? ['--workers', String(props.workers)] : []),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    try {
      const ready = await waitForReady(child, readyFile, logFile);
      const caPem = await readFile(ready.caFile, 'utf8');
      const adminToken = (await readFile(ready.adminTokenFile, 'utf8')).trim();
      const postmasterPid = Number(
        (await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0],
      );
      return new ServeChild(folder, ready, caPem, adminToken, postmasterPid, child, logFile);
    } catch (error) {
      await stopChild(child);
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  /** The primary and every agent-plane worker (with one worker: the one process). */
  get serverPids(): number[] {
    return [this.ready.pid, ...(this.ready.workers ?? [])];
  }

  /** A fresh enrollment token for `uses` agents. */
  async enrollmentToken(uses: number): Promise<string> {
    const text = await consoleRequest(`${this.ready.consoleUrl}/api/enrollment-tokens`, {
      ca: this.caPem,
      token: this.adminToken,
      method: 'POST',
      body: { uses, ttlSeconds: 3_600 },
    });
    return (JSON.parse(text) as { token: string }).token;
  }

  /** GET /metrics on the console (Prometheus text). */
  metrics(): Promise<string> {
    return consoleRequest(`${this.ready.consoleUrl}/metrics`, {
      ca: this.caPem,
      token: this.adminToken,
    });
  }

  /** The last lines the server wrote, for an error message. */
  async logTail(lines = 20): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  }

  async stop(): Promise<void> {
    try {
      await stopChild(this.child);
    } finally {
      await rm(this.folder, { recursive: true, force: true });
    }
  }
}

async function waitForReady(
  child: ChildProcess,
  readyFile: string,
  logFile: string,
): Promise<ReadyFile> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).trimEnd().slice(-2_000);
      throw new Error(
        `smc serve exited (${child.signalCode ?? child.exitCode}) before ready:\n${tail}`,
      );
    }
    const text = await readFile(readyFile, 'utf8').catch(() => '');
    if (text) {
      try {
        return JSON.parse(text) as ReadyFile;
      } catch {
        // Half-written: read it again on the next round.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`smc serve wrote no ready file within ${READY_TIMEOUT_MS / 1_000} s`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Ctrl-C (or SIGTERM) runs `cleanup` once (stopping servers and load processes, removing
 * temporary folders) before the benchmark exits, instead of leaving PostgreSQL behind.
 */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  let running = false;
  const handler = (signal: NodeJS.Signals) => {
    if (running) return;
    running = true;
    console.error(`${signal}: stopping the server and removing temporary folders`);
    cleanup()
      .catch((error: unknown) => console.error(`cleanup: ${String(error)}`))
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
