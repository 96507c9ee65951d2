import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnrollmentTokenResponse, MdmReadyFile } from '../../protocol/index.js';
import { consoleRequest } from '../cli/console-client.js';
import { terminate } from './local-server.js';

/** The real Mobile Device Connector (`smc mdm`), in its own process, on a throwaway folder. */
export interface LocalConnector {
  readonly ready: MdmReadyFile;
  /** The connector's device CA: it signs both the enrollment and the check-in listeners. */
  readonly caPem: string;
  readonly adminToken: string;
  readonly dataDir: string;
  /** An MDM enrollment token for `uses` devices, made on the connector's console API. */
  createDeviceToken(uses: number): Promise<string>;
  /** SIGTERM, wait for the graceful exit (SIGKILL after 20 s), remove the folder unless kept. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

const SMC_BIN = fileURLToPath(new URL('../smc.js', import.meta.url));

/** ours: the connector also starts an embedded PostgreSQL and enrolls with the server. */
const CONNECTOR_READY_TIMEOUT_MS = 120_000;

export async function startLocalConnector(options: {
  /** The local server's agent plane, its CA file, console URL and admin token file. */
  server: { agentUrl: string; caFile: string; consoleUrl: string; adminTokenFile: string };
  /** The interval the connector tells its devices. */
  checkInIntervalSeconds: number;
  log: (line: string) => void;
  timeoutMs?: number;
}): Promise<LocalConnector> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'smc-rehearsal-mdm-'));
  // The embedded PostgreSQL runs as its own system user when we are root: let it traverse.
  await chmod(dataDir, 0o711);
  const readyFile = path.join(dataDir, 'ready.json');
  const child = spawn(
    process.execPath,
    [
      SMC_BIN,
      'mdm',
      '--data-dir',
      path.join(dataDir, 'connector'),
      '--enroll-port',
      '0',
      '--device-port',
      '0',
      '--server-url',
      options.server.agentUrl,
      '--server-ca',
      options.server.caFile,
      '--server-console-url',
      options.server.consoleUrl,
      '--server-admin-token-file',
      options.server.adminTokenFile,
      '--check-in-interval',
      `${options.checkInIntervalSeconds}s`,
      '--ready-file',
      readyFile,
    ],
    // DATABASE_URL would point the connector at a shared database: the rehearsal's is its own.
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DATABASE_URL: undefined } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const stop = async (stopOptions: { keep?: boolean } = {}) => {
    await terminate(child);
    if (!stopOptions.keep) await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? CONNECTOR_READY_TIMEOUT_MS);
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`smc mdm exited early: ${stderr.trim()}`);
      const ready = await readFile(readyFile, 'utf8').then(
        (text) => JSON.parse(text) as MdmReadyFile,
        () => undefined,
      );
      if (ready) {
        const [caPem, adminTokenText] = await Promise.all([
          readFile(ready.caFile, 'utf8'),
          readFile(ready.adminTokenFile, 'utf8'),
        ]);
        const adminToken = adminTokenText.trim();
        options.log(`connector up: devices ${ready.deviceUrl} (enrollment ${ready.enrollUrl})`);
        const createDeviceToken = async (uses: number) => {
          const made = await consoleRequest<EnrollmentTokenResponse>({
            baseUrl: ready.enrollUrl,
            path: '/api/enrollment-tokens',
            method: 'POST',
            token: adminToken,
            ca: caPem,
            body: { uses, ttlSeconds: 86_400 },
          });
          return made.token;
        };
        return { ready, caPem, adminToken, dataDir, createDeviceToken, stop };
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`smc mdm was not ready in time: ${stderr.trim()}`);
  } catch (error) {
    await stop();
    throw error;
  }
}
