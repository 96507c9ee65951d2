import { copyFile, mkdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAgent } from '../support/agent-client.js';
import { removeDataFolder, tempFolder } from '../support/data-folder.js';
import { freshDatabase } from '../support/database.js';
import { flipByteIn, rewriteManifest } from './backup-archive.js';
import { runSmcAsync } from './run-cli.js';
import { type ServeProcess, startServeProcess } from './serve-process.js';

let root: string;
let archive: string;
let source: ServeProcess;
let databaseUrl: string;

beforeAll(async () => {
  root = await tempFolder('smc-backup-refusals-');
  databaseUrl = await freshDatabase('backup_refusals');
  source = await startServeProcess(
    [
      '--data-dir',
      path.join(root, 'a'),
      '--database-url',
      databaseUrl,
      '--agent-port',
      '0',
      '--console-port',
      '0',
      '--no-push',
    ],
    path.join(root, 'ready.json'),
  );
  const made = await runSmcAsync([
    'admin',
    'enrollment-token',
    '--data-dir',
    path.join(root, 'a'),
    '--console-url',
    source.ready.consoleUrl,
  ]);
  const agent = await TestAgent.enroll(
    source.ready.agentUrl,
    await readFile(source.ready.caFile, 'utf8'),
    made.stdout.trim(),
  );
  expect((await agent.replicate(agent.body({ logs: 3 }))).status).toBe(200);
  agent.close();
  archive = path.join(root, 'good.smc');
  const backup = await runSmcAsync(
    [
      'admin',
      'backup',
      '--data-dir',
      path.join(root, 'a'),
      '--database-url',
      databaseUrl,
      '--out',
      archive,
    ],
    120_000,
  );
  expect(backup.status, backup.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await source?.stop();
  if (root) await removeDataFolder(root);
});

async function restoreInto(file: string, dataDir: string, extra: string[] = []) {
  return runSmcAsync(
    ['admin', 'restore', '--archive', file, '--data-dir', dataDir, ...extra],
    120_000,
  );
}

describe('smc admin restore refuses what it must not restore', () => {
  it('refuses an archive whose CA key was altered, naming the member, and creates nothing', async () => {
    const bad = path.join(root, 'tampered.smc');
    await copyFile(archive, bad);
    await flipByteIn(bad, 'data/pki/ca.key');
    const target = path.join(root, 'never-a');
    const { status, stderr } = await restoreInto(bad, target, [
      '--database-url',
      await freshDatabase('never'),
    ]);
    expect(status).toBe(1);
    expect(stderr).toMatch(
      /^smc: member data\/pki\/ca\.key is damaged or was altered \(SHA-256 mismatch\)$/m,
    );
    await expect(stat(target)).rejects.toThrow(/ENOENT/);
  });

  it('refuses an archive whose log rows were altered', async () => {
    const bad = path.join(root, 'tampered-logs.smc');
    await copyFile(archive, bad);
    await flipByteIn(bad, 'db/public.logs.ndjson.gz');
    const { status, stderr } = await restoreInto(bad, path.join(root, 'never-b'));
    expect(status).toBe(1);
    expect(stderr).toMatch(/member db\/public\.logs\.ndjson\.gz is damaged or was altered/);
  });

  it('refuses a truncated archive', async () => {
    const bad = path.join(root, 'truncated.smc');
    await copyFile(archive, bad);
    await truncate(bad, Math.floor((await stat(bad)).size / 2));
    const { status, stderr } = await restoreInto(bad, path.join(root, 'never-c'));
    expect(status).toBe(1);
    expect(stderr).toMatch(/is damaged: (member .* is truncated|the archive is truncated)/);
  });

  it('refuses an archive whose schema is newer than this smc-kit knows', async () => {
    const newer = path.join(root, 'newer.smc');
    await rewriteManifest(archive, newer, (manifest) => {
      manifest.schemas = [{ table: 'smc_migrations', level: 99 }];
    });
    const { status, stderr } = await restoreInto(newer, path.join(root, 'never-d'));
    expect(status).toBe(1);
    expect(stderr).toMatch(
      /the archive's schema \(smc_migrations\) is at migration 99, newer than this smc-kit knows \(\d+\)/,
    );
  });

  it('refuses a data folder that is not empty, naming --data-dir', async () => {
    const used = path.join(root, 'used');
    await mkdir(used);
    await writeFile(path.join(used, 'notes.txt'), 'mine');
    const { status, stderr } = await restoreInto(archive, used);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^smc: --data-dir: .*used is not empty \(notes\.txt\)/m);
    expect(await readFile(path.join(used, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('refuses a database that is not empty, naming --database-url', async () => {
    const { status, stderr } = await restoreInto(archive, path.join(root, 'never-e'), [
      '--database-url',
      databaseUrl,
    ]);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^smc: --database-url: the database is not empty \(it has public\./m);
  });

  it('backup refuses an --out that exists and a folder that is no server data folder', async () => {
    const exists = await runSmcAsync([
      'admin',
      'backup',
      '--data-dir',
      path.join(root, 'a'),
      '--database-url',
      databaseUrl,
      '--out',
      archive,
    ]);
    expect(exists.status).toBe(2);
    expect(exists.stderr).toMatch(/^smc: --out: .*good\.smc exists; choose another name$/m);
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    const notServer = await runSmcAsync([
      'admin',
      'backup',
      '--data-dir',
      empty,
      '--out',
      path.join(root, 'x.smc'),
    ]);
    expect(notServer.status).toBe(2);
    expect(notServer.stderr).toMatch(/^smc: --data-dir: .*holds no agent CA/m);
    await expect(stat(path.join(root, 'x.smc.partial'))).rejects.toThrow(/ENOENT/);
  });

  it('rename-host and restore refuse bad flags, naming them', async () => {
    const data = path.join(root, 'a');
    const none = await runSmcAsync(['admin', 'rename-host', '--data-dir', data]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^smc: --host: required/m);
    const bad = await runSmcAsync([
      'admin',
      'rename-host',
      '--data-dir',
      data,
      '--host',
      'bad_name!',
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^smc: --host: /m);
    const badIp = await runSmcAsync([
      'admin',
      'rename-host',
      '--data-dir',
      data,
      '--host',
      'ok.test',
      '--ip',
      '10.0.0.300',
    ]);
    expect(badIp.status).toBe(2);
    expect(badIp.stderr).toMatch(/^smc: --ip: "10\.0\.0\.300" is not an IP address/m);
    const missing = await restoreInto(path.join(root, 'nope.smc'), path.join(root, 'never-f'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^smc: --archive: .*nope\.smc does not exist/m);
  });
});
