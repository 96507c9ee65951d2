import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Resolves once SIGTERM or SIGINT arrived and `close` finished (errors are logged, not
 * thrown: the process is ending either way). Call it before announcing readiness, so a
 * script that signals as soon as it sees the ready file still gets a graceful shutdown.
 * A service started with an IPC channel (`smc rehearse` starts its servers so) also stops
 * when the channel closes: its parent is gone, even if it died by SIGKILL.
 */
export function gracefulShutdown(
  close: () => Promise<void>,
  log: (line: string) => void,
  what: string,
  /** Hands over a way to start the same orderly stop from inside (an admin console call). */
  onTrigger?: (trigger: (reason: string) => void) => void,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: ${what}`);
      close().then(resolve, (error: Error) => {
        log(`shutdown error: ${error.message}`);
        resolve();
      });
    };
    let stopping = false;
    const once = (reason: string) => {
      if (stopping) return;
      stopping = true;
      stop(reason);
    };
    onTrigger?.(once);
    process.once('SIGTERM', () => once('SIGTERM'));
    process.once('SIGINT', () => once('SIGINT'));
    if (process.channel) {
      // The channel must not keep the process alive once the service has closed.
      process.channel.unref();
      process.once('disconnect', () => {
        // Nobody reads our output any more: a write must not crash the orderly stop.
        for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
        once('parent process gone');
      });
    }
  });
}

/** Writes a ready file atomically (temp file + rename): readers never see half of it. */
export async function writeReadyFile(file: string, content: object): Promise<void> {
  const target = path.resolve(file);
  await writeFile(`${target}.tmp`, JSON.stringify(content, null, 2));
  await rename(`${target}.tmp`, target);
}

/** A structured (JSON) log line to stderr as it is, so log tools can read it. */
export function jsonLine(line: string): void {
  process.stderr.write(`${line}\n`);
}
