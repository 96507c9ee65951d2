import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { rootClusterHome } from '../../../server/store/embedded/cluster-folder.js';
import {
  EmbeddedPostgresError,
  startEmbeddedPostgres,
} from '../../../server/store/embedded-postgres.js';
import { removeDataFolder, tempFolder } from '../../support/data-folder.js';

const HOLDER = fileURLToPath(new URL('./fixtures/hold-cluster.mjs', import.meta.url));
const isRoot = process.getuid?.() === 0;

const folders: string[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 1_000));
  for (const folder of folders) await removeDataFolder(folder, ['pg']);
});

/** A data folder that the `postgres` user may traverse, as `smc serve` makes its own (0711). */
async function dataFolder(label: string, mode = 0o711): Promise<string> {
  const folder = await tempFolder(`smc-embedded-${label}-`);
  folders.push(folder);
  await chmod(folder, mode);
  return folder;
}

/** Another process that owns a cluster in `dir` and holds it (as `smc serve` would). */
async function holder(dir: string) {
  const child = spawn(process.execPath, [HOLDER, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] as string);
    });
    child.once('exit', (code) => reject(new Error(`holder exited ${code}: ${err}`)));
  });
  return {
    child,
    ...(JSON.parse(line) as { pid: number; postmaster: number; clusterDir: string }),
  };
}

function alive(pid: number): boolean {
  const stat = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout ?? '';
  if (!stat) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}

async function waitFor(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('creates a UTF-8 cluster, keeps its data across restarts and stops on request', async () => {
    const dir = path.join(await dataFolder('basic'), 'pg');
    let db = await startEmbeddedPostgres({ dataDir: dir });
    expect(await query(db.url, 'SHOW server_encoding')).toEqual([{ server_encoding: 'UTF8' }]);
    await query(db.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('é ✓')");
    await db.stop();
    db = await startEmbeddedPostgres({ dataDir: dir });
    expect(await query(db.url, 'SELECT v FROM kept')).toEqual([{ v: 'é ✓' }]);
    await db.stop();
    await expect(readFile(path.join(dir, 'postmaster.pid'))).rejects.toThrow();
  });

  // Only root has a `postgres` user between it and the folder; as any other user the folder
  // is reached directly (the first test), so there is nothing to relocate.
  it.runIf(isRoot)(
    'as root, places a cluster whose parent the postgres user cannot traverse in a durable folder and links it',
    async () => {
      const folder = await dataFolder('private', 0o700);
      const dir = path.join(folder, 'pg');
      const notices: string[] = [];
      const db = await startEmbeddedPostgres({ dataDir: dir, onNotice: (l) => notices.push(l) });
      expect(db.clusterDir.startsWith(`${rootClusterHome()}/`)).toBe(true);
      expect(notices.join('\n')).toMatch(/cannot traverse .*smc-embedded-private-/);
      await query(db.url, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)');
      await db.stop();
      // The link is the data folder's own record: the next start finds the same cluster.
      const again = await startEmbeddedPostgres({ dataDir: dir, onNotice: (l) => notices.push(l) });
      expect(again.clusterDir).toBe(db.clusterDir);
      expect(await query(again.url, 'SELECT v FROM kept')).toEqual([{ v: 7 }]);
      await again.stop();
      expect(notices).toHaveLength(1);
    },
  );

  it('stops its postmaster when the owning process is killed (watchdog)', async () => {
    const dir = path.join(await dataFolder('watchdog'), 'pg');
    const held = await holder(dir);
    expect(alive(held.postmaster)).toBe(true);
    held.child.kill('SIGKILL');
    await waitFor('the postmaster to stop after its owner died', () => !alive(held.postmaster));
  });

  it('stops a postmaster left by a dead owner before starting, and refuses one a live owner uses', async () => {
    const dir = path.join(await dataFolder('orphan'), 'pg');
    const held = await holder(dir);
    // While its owner runs, the cluster is refused with the owner named.
    const refused = await startEmbeddedPostgres({ dataDir: dir }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(EmbeddedPostgresError);
    expect((refused as Error).message).toContain(`in use by smc process ${held.pid}`);
    // The owner dies and its watchdog with it (the worst case: nothing stopped the postmaster).
    spawnSync('pkill', ['-KILL', '-f', `smc-pg-watchdog ${held.postmaster}$`]);
    held.child.kill('SIGKILL');
    await new Promise((r) => held.child.once('exit', r));
    expect(alive(held.postmaster)).toBe(true);

    const notices: string[] = [];
    const db = await startEmbeddedPostgres({ dataDir: dir, onNotice: (l) => notices.push(l) });
    expect(notices.join('\n')).toContain(`stopping the PostgreSQL (pid ${held.postmaster})`);
    expect(alive(held.postmaster)).toBe(false);
    expect(await query(db.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await db.stop();
  });

  it('refuses a folder that holds files but no cluster, in one line naming it', async () => {
    const dir = path.join(await dataFolder('junk'), 'pg');
    await mkdir(dir);
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    const error = await startEmbeddedPostgres({ dataDir: dir }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(EmbeddedPostgresError);
    expect((error as Error).message).toBe(
      `embedded PostgreSQL: ${dir} holds files but no cluster (no PG_VERSION); move it away and start again`,
    );
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });
});
