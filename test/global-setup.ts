import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../server/store/embedded-postgres.js';

let database: EmbeddedDatabase | undefined;
let runFolder: string | undefined;

/**
 * One real PostgreSQL (embedded, from npm) for the whole run; each test file makes its own
 * database in it (test/support/database.ts), so files stay independent and run in parallel.
 *
 * Every temporary file of the run (test folders, cdktf outdirs, children's temp files) goes
 * into one folder, removed at the end: TMPDIR is set before the test workers start, and they
 * and every process they spawn inherit it. 0711: as root, PostgreSQL's own system user must
 * be able to traverse to clusters inside.
 */
export async function setup(project: TestProject): Promise<void> {
  runFolder = await mkdtemp(path.join(tmpdir(), 'smc-test-run-'));
  await chmod(runFolder, 0o711);
  process.env.TMPDIR = runFolder;
  database = await startEmbeddedPostgres({ dataDir: path.join(runFolder, 'shared-pg') });
  project.provide('postgresUrl', database.url);
}

export async function teardown(): Promise<void> {
  await database?.stop();
  if (runFolder) await rm(runFolder, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}
