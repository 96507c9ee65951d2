import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.js';
import type { RunningConnector } from '../../../server/mdm/connector.js';
import { freshDatabase } from '../../support/database.js';
import { consoleCall, testServer } from '../../support/server.js';
import { eventually, mdmToken, testConnector } from './connector-support.js';
import { TestDevice } from './test-device.js';

/**
 * The connector is an agent too: if its numbering restarts (its database restored from an
 * older backup), the server answers its clashing seqs with `resync`, and the relay moves its
 * outbox up to the server's position instead of having a new phone's summary taken for a
 * resend (acknowledged, never stored) or resending the same seqs forever.
 */
let server: RunningServer;
let connector: RunningConnector;

beforeAll(async () => {
  server = await testServer();
});
afterAll(async () => {
  await connector?.close();
  await server?.close();
});

const listed = (deviceId: string) =>
  eventually('device listed on the server', async () => {
    const res = await consoleCall(server, `/api/mobile-devices/${deviceId}`);
    return res.status === 200 ? true : undefined;
  });

it('relays a new phone after its numbering restarted', async () => {
  const databaseUrl = await freshDatabase('mdm_relay_resync');
  connector = await testConnector(server, { databaseUrl });
  const dataDir = connector.caFile.replace(/\/pki\/ca\.pem$/, '');
  const token = await mdmToken(connector);
  const before = await TestDevice.enroll(connector, token, 'android');
  await before.checkIn();
  await listed(before.id);
  const relayAgentId = connector.relayAgentId;
  await connector.close();

  // The restore: numbering from 1 again, the outbox as empty as it was then.
  const database = new pg.Client({ connectionString: databaseUrl });
  await database.connect();
  await database.query('UPDATE mdm.relay_state SET next_seq = 1; DELETE FROM mdm.relay_outbox');
  await database.end();
  connector = await testConnector(server, { databaseUrl, dataDir });
  expect(connector.relayAgentId).toBe(relayAgentId);

  const after = await TestDevice.enroll(connector, token, 'ios');
  await after.checkIn();
  await listed(after.id);
  const { rows } = await server.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM logs WHERE agent_id = $1 AND data->>'deviceId' = $2`,
    [relayAgentId, after.id],
  );
  expect(rows[0]?.n).toBeGreaterThan(0);
});
