import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadyFile } from '../../protocol/index.js';

/** The real server, in its own process (so it has a core of its own), on a throwaway folder. */
export interface LocalServer {
  readonly ready: ReadyFile;
  readonly caPem: string;
  readonly adminToken: string;
  readonly dataDir: string;
  /** SIGTERM, wait for the graceful exit (SIGKILL after 20 s), remove the folder unless kept. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

const SMC_BIN = fileURLToPath(new URL('../smc.js', import.meta.url));

export async function startLocalServer(options: {
  intervalSeconds: number;
  log: (line: string) => void;
  timeoutMs?: number;
  /** The rehearsal's --report-dir, whose capacity.html and fleet.html the console offers. */
  reportsDir?: string;
}): Promise<LocalServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'smc-rehearsal-'));
  // The embedded PostgreSQL runs as its own system user when we are root: let it traverse.
  await chmod(dataDir, 0o711);
  const readyFile = path.join(dataDir, 'ready.json');
  const child = spawn(
    process.execPath,
    [
      SMC_BIN,
      'serve',
      '--data-dir',
      path.join(dataDir, 'server'),
      '--agent-port',
      '0',
      '--console-port',
      '0',
      '--interval',
      `${options.intervalSeconds}s`,
      '--ready-file',
      readyFile,
      ...(options.reportsDir ? ['--rehearsal-reports', path.resolve(options.reportsDir)] : []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const stop = async (stopOptions: { keep?: boolean } = {}) => {
    await terminate(child);
    if (!stopOptions.keep) await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`smc serve exited early: ${stderr.trim()}`);
      const ready = await readFile(readyFile, 'utf8').then(
        (text) => JSON.parse(text) as ReadyFile,
        () => undefined,
      );
      if (ready) {
        const [caPem, adminToken] = await Promise.all([
          readFile(ready.caFile, 'utf8'),
          readFile(ready.adminTokenFile, 'utf8'),
        ]);
        options.log(`server up: ${ready.agentUrl} (console ${ready.consoleUrl})`);
        return { ready, caPem, adminToken: adminToken.trim(), dataDir, stop };
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`smc serve was not ready in time: ${stderr.trim()}`);
  } catch (error) {
    await stop();
    throw error;
  }
}

/** SIGTERM, then SIGKILL if the child has not exited after 20 s. */
export async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
