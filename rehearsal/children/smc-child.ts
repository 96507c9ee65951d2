import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a service's --ready-file holds that the rehearsal needs from every service. */
interface ServiceReadyFile {
  readonly caFile: string;
  readonly adminTokenFile: string;
  readonly pid: number;
}

/** An `smc` service (serve, mdm) in its own process, on a throwaway folder. */
export interface SmcChild<Ready extends ServiceReadyFile> {
  readonly ready: Ready;
  readonly caPem: string;
  readonly adminToken: string;
  readonly dataDir: string;
  /** SIGTERM, wait for the graceful exit (SIGKILL after 20 s), remove the folder unless kept. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

const SMC_BIN = fileURLToPath(new URL('../../bin/smc.js', import.meta.url));

/**
 * Starts `smc <command> ...args` with a data folder and a ready file of its own, waits for
 * the ready file (or the child's early exit, with its last stderr), and reads the CA and
 * admin token it names. On failure the child is stopped and the folder removed.
 */
export async function startSmcChild<Ready extends ServiceReadyFile>(options: {
  readonly command: 'serve' | 'mdm';
  /** Arguments after the command; `dataDir` and `readyFile` are this child's own. */
  readonly args: (paths: { dataDir: string; readyFile: string }) => string[];
  readonly folderPrefix: string;
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Prepares the data folder before the child starts. */
  readonly beforeStart?: ((paths: { dataDir: string }) => Promise<void>) | undefined;
}): Promise<SmcChild<Ready>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), options.folderPrefix));
  // The embedded PostgreSQL runs as its own system user when we are root: let it traverse.
  await chmod(dataDir, 0o711);
  try {
    await options.beforeStart?.({ dataDir });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const readyFile = path.join(dataDir, 'ready.json');
  const child = spawn(
    process.execPath,
    [SMC_BIN, options.command, ...options.args({ dataDir, readyFile }), '--ready-file', readyFile],
    // The IPC channel is how the child notices that we died (even by SIGKILL): it then
    // shuts down in order, its embedded PostgreSQL with it.
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: options.env ?? process.env },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const stop = async (stopOptions: { keep?: boolean } = {}) => {
    await terminate(child);
    if (!stopOptions.keep) await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + options.timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`smc ${options.command} exited early: ${stderr.trim()}`);
      }
      const ready = await readFile(readyFile, 'utf8').then(
        (text) => JSON.parse(text) as Ready,
        () => undefined,
      );
      if (ready) {
        const [caPem, adminToken] = await Promise.all([
          readFile(ready.caFile, 'utf8'),
          readFile(ready.adminTokenFile, 'utf8'),
        ]);
        return { ready, caPem, adminToken: adminToken.trim(), dataDir, stop };
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`smc ${options.command} was not ready in time: ${stderr.trim()}`);
  } catch (error) {
    await stop();
    throw error;
  }
}

/** SIGTERM, then SIGKILL if the child has not exited after 20 s. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
