import { spawn } from 'node:child_process';

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Written to the child's stdin, then closed. */
  readonly input?: string;
  /** Killed (SIGKILL) after this long. @default 120_000 */
  readonly timeoutMs?: number;
  /** Resolve with the result instead of throwing on a non-zero exit. @default false */
  readonly allowFailure?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion; a failure throws with the command and its stderr tail. */
export function run(command: string, args: readonly string[], options: RunOptions = {}) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.env ? { env: options.env } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timeoutMs = options.timeoutMs ?? 120_000;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      const result = { status, stdout, stderr };
      if (status === 0 || options.allowFailure) resolve(result);
      else {
        const tail = (stderr.trim() || stdout.trim()).split('\n').slice(-25).join('\n');
        reject(
          new Error(
            `${command} ${args.join(' ').slice(0, 300)} exited ${status ?? `killed after ${timeoutMs} ms`}\n${tail}`,
          ),
        );
      }
    });
    // A command that exits without reading its input must not fail the caller with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}
