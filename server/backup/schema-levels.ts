/** The migrations tables smc-kit keeps, and the schemas whose tables a backup carries. */

import { MDM_MIGRATIONS, MDM_MIGRATIONS_TABLE } from '../mdm/store/migrations.js';
import { MIGRATIONS, type Migration } from '../store/migrations/index.js';

export interface KnownSchema {
  /** Where the migrations are recorded (`schema.table` or a table in public). */
  readonly table: string;
  readonly migrations: readonly Migration[];
  /** SQL run before the migrations on an empty database (the connector's schema). */
  readonly prepare?: string;
}

export const KNOWN_SCHEMAS: readonly KnownSchema[] = [
  { table: 'smc_migrations', migrations: MIGRATIONS },
  {
    table: MDM_MIGRATIONS_TABLE,
    migrations: MDM_MIGRATIONS,
    prepare: 'CREATE SCHEMA IF NOT EXISTS mdm',
  },
];

/** The PostgreSQL schemas a backup dumps: the server's (public) and the connector's (mdm). */
export const DUMPED_SCHEMAS = ['public', 'mdm'] as const;

/** `schema.table` of a migrations table, as pg_tables names it. */
export function qualified(table: string): string {
  return table.includes('.') ? table : `public.${table}`;
}

export function highestKnown(schema: KnownSchema): number {
  return Math.max(0, ...schema.migrations.map((m) => m.version));
}
