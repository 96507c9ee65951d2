import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, run as users run it: a child process of `node dist/bin/smc.js`. */
export const SMC_BIN = fileURLToPath(new URL('../../dist/bin/smc.js', import.meta.url));

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runSmc(args: readonly string[], options: { timeoutMs?: number } = {}): CliResult {
  const result = spawnSync(process.execPath, [SMC_BIN, ...args], {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
