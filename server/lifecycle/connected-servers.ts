import type pg from 'pg';
import { parseApplicationName, type ServerIdentity } from './server-identity.js';

export interface ConnectedServer extends ServerIdentity {
  /** Where its connections come from (null: a local socket). */
  readonly clientAddress: string | null;
}

/** The smc servers connected to this database right now, one entry per server process. */
export async function connectedServers(client: pg.ClientBase): Promise<ConnectedServer[]> {
  const { rows } = await client.query<{ name: string; address: string | null }>(
    `SELECT DISTINCT application_name AS name, host(client_addr) AS address FROM pg_stat_activity
      WHERE datname = current_database() AND application_name LIKE 'smc-server/%'
        AND pid <> pg_backend_pid()`,
  );
  const seen = new Map<string, ConnectedServer>();
  for (const row of rows) {
    const identity = parseApplicationName(row.name);
    if (!identity) continue;
    const key = `${row.address ?? 'local'}/${identity.pid}/${identity.version}/${identity.schemaLevel}`;
    if (!seen.has(key)) seen.set(key, { ...identity, clientAddress: row.address });
  }
  return [...seen.values()];
}
