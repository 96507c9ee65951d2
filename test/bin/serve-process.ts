import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import type { ReadyFile } from '../../protocol/index.js';
import { SMC_BIN } from './run-cli.js';

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly ready: ReadyFile;
  stderr(): string;
  /** SIGTERM, then waits for the process (and so its embedded PostgreSQL) to end. */
  stop(): Promise<void>;
}

/** `smc serve ARGS` of the built binary; resolves once its ready file names this process. */
export async function startServeProcess(
  args: readonly string[],
  readyFile: string,
): Promise<ServeProcess> {
  await rm(readyFile, { force: true });
  const child = spawn(process.execPath, [SMC_BIN, 'serve', ...args, '--ready-file', readyFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await closed;
    clearTimeout(timer);
  };
  // An embedded PostgreSQL's first start (initdb) takes a while on a busy 2-core box.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const ready = await readFile(readyFile, 'utf8').then(
      (text) => JSON.parse(text) as ReadyFile,
      () => undefined,
    );
    if (ready && ready.pid === child.pid) return { child, ready, stderr: () => stderr, stop };
    if (child.exitCode !== null) throw new Error(`smc serve exited ${child.exitCode}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`smc serve not ready in 120 s: ${stderr}`);
}
