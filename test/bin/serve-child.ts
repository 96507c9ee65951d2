import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReadyFile } from '../../protocol/index.js';
import { freshDatabase } from '../support/database.js';
import { SMC_BIN } from './run-cli.js';

/** `smc serve` of the built binary on free ports and a fresh database; waits for its ready file. */
export async function startServe(label: string, extra: readonly string[]) {
  const dir = await mkdtemp(path.join(tmpdir(), `smc-${label}-`));
  const readyFile = path.join(dir, 'ready.json');
  const child = spawn(
    process.execPath,
    [
      SMC_BIN,
      'serve',
      '--data-dir',
      path.join(dir, 'data'),
      '--database-url',
      await freshDatabase(label),
      '--agent-port',
      '0',
      '--console-port',
      '0',
      ...extra,
      '--ready-file',
      readyFile,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let ready: ReadyFile | undefined;
  for (let i = 0; i < 300 && !ready && child.exitCode === null; i++) {
    ready = await readFile(readyFile, 'utf8').then(
      (t) => JSON.parse(t) as ReadyFile,
      () => undefined,
    );
    if (!ready) await new Promise((r) => setTimeout(r, 100));
  }
  return { dir, child, ready, stderr: () => stderr };
}
