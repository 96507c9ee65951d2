import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Resolves once SIGTERM or SIGINT arrived and `close` finished (errors are logged, not
 * thrown: the process is ending either way). Call it before announcing readiness, so a
 * script that signals as soon as it sees the ready file still gets a graceful shutdown.
 */
export function gracefulShutdown(
  close: () => Promise<void>,
  log: (line: string) => void,
  what: string,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: ${what}`);
      close().then(resolve, (error: Error) => {
        log(`shutdown error: ${error.message}`);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** Writes a ready file atomically (temp file + rename): readers never see half of it. */
export async function writeReadyFile(file: string, content: object): Promise<void> {
  const target = path.resolve(file);
  await writeFile(`${target}.tmp`, JSON.stringify(content, null, 2));
  await rename(`${target}.tmp`, target);
}
