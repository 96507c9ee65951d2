import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAgent } from '../support/agent-client.js';
import { removeDataFolder, tempFolder } from '../support/data-folder.js';
import { freshDatabase } from '../support/database.js';
import { runSmcAsync } from './run-cli.js';
import { type ServeProcess, startServeProcess } from './serve-process.js';

/**
 * The README's migration runbooks, each as an operator runs it: back up the old server, stop
 * it, restore on the "new host" (another folder, another database), start it there. The agent
 * enrolled with the old server must keep replicating with its own certificate.
 */
let root: string;
let archive: string;
let agent: TestAgent;
let ca: string;
const servers: ServeProcess[] = [];

const serveArgs = (dataDir: string, databaseUrl: string, extra: string[] = []) => [
  '--data-dir',
  dataDir,
  '--database-url',
  databaseUrl,
  '--agent-port',
  '0',
  '--console-port',
  '0',
  '--no-push',
  ...extra,
];

beforeAll(async () => {
  root = await tempFolder('smc-migration-');
  const oldDb = await freshDatabase('migration_old');
  const old = await startServeProcess(
    serveArgs(path.join(root, 'old'), oldDb, ['--hostname', 'smc-old.test']),
    path.join(root, 'ready-old.json'),
  );
  servers.push(old);
  ca = await readFile(old.ready.caFile, 'utf8');
  const made = await runSmcAsync([
    'admin',
    'enrollment-token',
    '--data-dir',
    path.join(root, 'old'),
    '--console-url',
    old.ready.consoleUrl,
  ]);
  agent = await TestAgent.enroll(old.ready.agentUrl, ca, made.stdout.trim());
  const first = await agent.replicate<{ ack: { logsThrough: number } }>(agent.body({ logs: 5 }));
  expect(first.body.ack.logsThrough).toBe(5);
  agent.close();
  archive = path.join(root, 'old.smc');
  const backup = await runSmcAsync(
    [
      'admin',
      'backup',
      '--data-dir',
      path.join(root, 'old'),
      '--database-url',
      oldDb,
      '--out',
      archive,
    ],
    120_000,
  );
  expect(backup.status, backup.stderr).toBe(0);
  await old.stop();
}, 180_000);

afterAll(async () => {
  for (const server of servers) await server.stop();
  if (root) await removeDataFolder(root);
});

/** Completes a TLS handshake as a client that asked for `servername`; resolves the error, if any. */
function handshake(port: number, servername: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['h2'] });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('server migration runbooks', () => {
  it('another host name and address, migrated database on another PostgreSQL: the certificate is re-issued from the same CA and the agent keeps its identity', async () => {
    const dataDir = path.join(root, 'renamed');
    const newDb = await freshDatabase('migration_renamed');
    const restored = await runSmcAsync(
      ['admin', 'restore', '--archive', archive, '--data-dir', dataDir, '--database-url', newDb],
      120_000,
    );
    expect(restored.status, restored.stderr).toBe(0);
    const before = await readFile(path.join(dataDir, 'pki', 'server.pem'), 'utf8');
    expect(new X509Certificate(before).subjectAltName).toMatch(/DNS:smc-old\.test/);

    const renamed = await runSmcAsync([
      'admin',
      'rename-host',
      '--data-dir',
      dataDir,
      '--host',
      'smc-new.test',
      '--json',
    ]);
    expect(renamed.status, renamed.stderr).toBe(0);
    const result = JSON.parse(renamed.stdout) as { names: string; caFingerprint: string };
    expect(result.names).toBe('DNS:smc-new.test, IP Address:127.0.0.1');
    expect(result.caFingerprint).toBe(new X509Certificate(ca).fingerprint256);
    // Same CA, new leaf: issued by that CA, for the new name only.
    expect(await readFile(path.join(dataDir, 'pki', 'ca.pem'), 'utf8')).toBe(ca);
    const after = new X509Certificate(
      await readFile(path.join(dataDir, 'pki', 'server.pem'), 'utf8'),
    );
    expect(after.raw.equals(new X509Certificate(before).raw)).toBe(false);
    expect(after.verify(new X509Certificate(ca).publicKey)).toBe(true);

    const server = await startServeProcess(
      serveArgs(dataDir, newDb, ['--hostname', 'smc-new.test']),
      path.join(root, 'ready-renamed.json'),
    );
    servers.push(server);
    const port = Number(new URL(server.ready.agentUrl).port);
    expect(await handshake(port, 'smc-new.test')).toBeNull();
    expect(await handshake(port, 'smc-old.test')).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    // The agent, with the certificate the old server's CA issued: no re-enrollment.
    const moved = agent.at(server.ready.agentUrl);
    moved.seq = 5;
    const res = await moved.replicate<{ ack: { logsThrough: number } }>(moved.body({ logs: 2 }));
    expect(res.status).toBe(200);
    expect(res.body.ack.logsThrough).toBe(7);
    moved.close();
    await server.stop();
  }, 180_000);

  it('clean database (--skip-logs): the old history stays behind, the agent goes on from its ack', async () => {
    const dataDir = path.join(root, 'clean');
    const cleanDb = await freshDatabase('migration_clean');
    const restored = await runSmcAsync(
      [
        'admin',
        'restore',
        '--archive',
        archive,
        '--data-dir',
        dataDir,
        '--database-url',
        cleanDb,
        '--skip-logs',
      ],
      120_000,
    );
    expect(restored.status, restored.stderr).toBe(0);
    expect(restored.stderr).toMatch(/left public\.logs empty \(5 rows not restored\)/);
    const client = new pg.Client({ connectionString: cleanDb });
    await client.connect();
    try {
      const logs = await client.query('SELECT count(*)::int AS n FROM logs');
      expect(logs.rows[0].n).toBe(0);
      const state = await client.query(
        'SELECT logs_through::int AS n FROM agent_state WHERE agent_id = $1',
        [agent.id],
      );
      expect(state.rows[0].n).toBe(5);
    } finally {
      await client.end();
    }
    const server = await startServeProcess(
      serveArgs(dataDir, cleanDb),
      path.join(root, 'ready-clean.json'),
    );
    servers.push(server);
    // The agent's seqs carry on from the old server's ack: 6 and 7 are stored and acknowledged
    // (a database without its agent_state would never acknowledge them: 1-5 would be a gap).
    const moved = agent.at(server.ready.agentUrl);
    moved.seq = 5;
    const res = await moved.replicate<{ ack: { logsThrough: number } }>(moved.body({ logs: 2 }));
    expect(res.status).toBe(200);
    expect(res.body.ack.logsThrough).toBe(7);
    moved.close();
  }, 180_000);

  it('with --with-mdm the connector comes along: its device CA, relay identity and schema', async () => {
    const sourceDb = await freshDatabase('migration_mdm');
    const mdmArgs = ['--with-mdm', '--mdm-enroll-port', '0', '--mdm-device-port', '0'];
    const source = await startServeProcess(
      serveArgs(path.join(root, 'mdm-old'), sourceDb, mdmArgs),
      path.join(root, 'ready-mdm-old.json'),
    );
    servers.push(source);
    const relayAgentId = source.ready.mdm?.relayAgentId;
    expect(relayAgentId).toMatch(/^[0-9a-f-]{36}$/);
    const mdmArchive = path.join(root, 'mdm.smc');
    const backup = await runSmcAsync(
      [
        'admin',
        'backup',
        '--data-dir',
        path.join(root, 'mdm-old'),
        '--database-url',
        sourceDb,
        '--out',
        mdmArchive,
      ],
      120_000,
    );
    expect(backup.status, backup.stderr).toBe(0);
    expect(backup.stderr).toMatch(/dumped mdm\.relay_state: 1 rows/);
    await source.stop();
    const targetDb = await freshDatabase('migration_mdm_new');
    const dataDir = path.join(root, 'mdm-new');
    const restored = await runSmcAsync(
      [
        'admin',
        'restore',
        '--archive',
        mdmArchive,
        '--data-dir',
        dataDir,
        '--database-url',
        targetDb,
      ],
      120_000,
    );
    expect(restored.status, restored.stderr).toBe(0);
    expect(restored.stderr).toMatch(/schema mdm\.migrations at level 1/);
    for (const file of ['mdm/pki/ca.pem', 'mdm/pki/ca.key', 'mdm/relay/identity.json'])
      expect(await readFile(path.join(dataDir, file), 'utf8')).toBe(
        await readFile(path.join(root, 'mdm-old', file), 'utf8'),
      );
    const target = await startServeProcess(
      serveArgs(dataDir, targetDb, mdmArgs),
      path.join(root, 'ready-mdm-new.json'),
    );
    servers.push(target);
    // The connector is the same agent of the server: it did not enroll again.
    expect(target.ready.mdm?.relayAgentId).toBe(relayAgentId);
    await target.stop();
  }, 240_000);
});
