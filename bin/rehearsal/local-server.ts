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
}): Promise<LocalServer> {
  const server = await startSmcChild<ReadyFile>({
    command: 'serve',
    folderPrefix: 'smc-rehearsal-',
    timeoutMs: options.timeoutMs ?? 90_000,
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
    ],
  });
  options.log(`server up: ${server.ready.agentUrl} (console ${server.ready.consoleUrl})`);
  return server;
}
