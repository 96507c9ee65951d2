import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Makes a postmaster follow its owner: a tiny shell process holds a pipe from smc and, when
 * the pipe closes without a word (smc died: SIGKILL, OOM, a crash), asks the postmaster for a
 * fast shutdown, then an immediate one after 20 s. It is in its own process group, so a
 * Ctrl-C on the terminal leaves the orderly shutdown to smc. A normal stop kills it first.
 */
const SCRIPT = [
  'trap "" INT HUP TERM',
  'read -r _ || true',
  'kill -INT "$1" 2>/dev/null || exit 0',
  'i=0',
  'while kill -0 "$1" 2>/dev/null; do',
  '  i=$((i + 1)); [ "$i" -ge 200 ] && { kill -QUIT "$1" 2>/dev/null; exit 0; }',
  '  sleep 0.1',
  'done',
].join('\n');

export interface Watchdog {
  /** Ends the watch without touching the postmaster (it is being stopped in order). */
  release(): void;
}

export function watchPostmaster(postmasterPid: number): Watchdog {
  const child: ChildProcess = spawn(
    '/bin/sh',
    ['-c', SCRIPT, 'smc-pg-watchdog', String(postmasterPid)],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    },
  );
  // A watchdog that cannot start costs only crash cleanup (the next start still finds and
  // stops the orphan): never fail the database for it.
  child.on('error', () => {});
  child.stdin?.on('error', () => {});
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    release: () => {
      child.kill('SIGKILL');
    },
  };
}
