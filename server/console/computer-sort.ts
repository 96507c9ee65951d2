import type { COMPUTER_SORTS } from './schemas.js';

export type ComputerSort = (typeof COMPUTER_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

/**
 * The address the agent reports for itself (its inventory's first network interface), as
 * Fleet shows a host's primary IP; null until an inventory arrived.
 */
export const REPORTED_IP = "i.hardware #>> '{network,0,ipv4}'";

/**
 * One sort order of the computers list: only these fixed expressions reach SQL (the query
 * parameter is validated against the same names first). `type` casts a cursor's key back
 * for the keyset comparison; `nullable` keys sort last either way ("never seen", "no
 * inventory yet"); `key` is the text the cursor carries (last_seen in UTC to the microsecond,
 * since a JavaScript Date would drop the microseconds and break ties).
 */
export interface SortKey {
  readonly column: string;
  readonly type: 'text' | 'int' | 'timestamptz';
  readonly nullable: boolean;
  readonly key: string;
}

const PROTECTION_RANK = "CASE c.protection WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END";

const text = (column: string, nullable = false): SortKey => ({
  column,
  type: 'text',
  nullable,
  key: `(${column})::text`,
});

export const SORT_KEYS: Record<ComputerSort, SortKey> = {
  hostname: text('c.hostname'),
  os: text('c.os_name'),
  protection: {
    column: PROTECTION_RANK,
    type: 'int',
    nullable: false,
    key: `(${PROTECTION_RANK})::text`,
  },
  group: text('c.group_name'),
  lastSeen: {
    column: 's.last_seen',
    type: 'timestamptz',
    nullable: true,
    key: `to_char(s.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  },
  agentVersion: text('c.agent_version'),
  ip: text(REPORTED_IP, true),
};

/** ORDER BY for the computers list: every order ends on hostname, then agent_id, so ties page stably. */
export function computerOrder(
  sort: ComputerSort | undefined,
  order: SortOrder | undefined,
): string {
  const direction = order === 'desc' ? 'DESC' : 'ASC';
  const chosen = sort ?? 'hostname';
  const head = chosen === 'hostname' ? '' : `${SORT_KEYS[chosen].column} ${direction} NULLS LAST, `;
  return `${head}c.hostname ${direction}, c.agent_id ${direction}`;
}
