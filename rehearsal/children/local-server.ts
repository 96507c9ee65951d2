import path from 'node:path';
import type { ReadyFile } from '../../protocol/index.js';
import { type SmcChild, startSmcChild } from './smc-child.js';

/** The real server, in its own process (so it has a core of its own), on a throwaway folder. */
export type LocalServer = SmcChild<ReadyFile>;

export async function startLocalServer(options: {
  intervalSeconds: number;
  log: (line: string) => void;
  timeoutMs?: number;
  /** The rehearsal's --report-dir, whose capacity.html and fleet.html the console offers. */
  reportsDir?: string;
  /** Files to put in the server's PKI folder before it starts (a CA reused across runs). */
  pki?: (pkiDir: string) => Promise<void>;
  /** More `smc serve` flags (tests slow the server on purpose with them). */
  extraArgs?: readonly string[];
}): Promise<LocalServer> {
  const server = await startSmcChild<ReadyFile>({
    command: 'serve',
    folderPrefix: 'smc-rehearsal-',
    timeoutMs: options.timeoutMs ?? 90_000,
    beforeStart: options.pki
      ? ({ dataDir }) =>
          (options.pki as (dir: string) => Promise<void>)(path.join(dataDir, 'server', 'pki'))
      : undefined,
    args: ({ dataDir }) => [
      '--data-dir',
      path.join(dataDir, 'server'),
      '--agent-port',
      '0',
      '--console-port',
      '0',
      '--interval',
      `${options.intervalSeconds}s`,
      ...(options.reportsDir ? ['--rehearsal-reports', path.resolve(options.reportsDir)] : []),
      // Its database is the rehearsal's own: it may be filled with a simulated history.
      '--allow-simulation-seed',
      ...(options.extraArgs ?? []),
    ],
  });
  options.log(`server up: ${server.ready.agentUrl} (console ${server.ready.consoleUrl})`);
  return server;
}
