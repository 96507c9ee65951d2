import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MDM_MIGRATIONS, MDM_MIGRATIONS_TABLE } from '../../../server/mdm/store/migrations.js';
import { migrate } from '../../../server/store/migrate.js';
import { createPool } from '../../../server/store/pool.js';
import { freshDatabase } from '../../support/database.js';

let pool: ReturnType<typeof createPool>;

beforeAll(async () => {
  pool = createPool(await freshDatabase('mdm_schema'));
});
afterAll(() => pool.end());

describe('the connector schema beside the server schema on one database', () => {
  it('records each list in its own table, so neither looks newer to the other', async () => {
    await migrate(pool);
    await pool.query('CREATE SCHEMA IF NOT EXISTS mdm');
    const first = await migrate(pool, MDM_MIGRATIONS, { table: MDM_MIGRATIONS_TABLE });
    expect(first.applied).toEqual(['1-mdm-initial']);
    expect((await migrate(pool)).applied).toEqual([]);
    expect((await migrate(pool, MDM_MIGRATIONS, { table: MDM_MIGRATIONS_TABLE })).applied).toEqual(
      [],
    );
    const { rows } = await pool.query('SELECT version FROM smc_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).not.toContain(undefined);
    const mdm = await pool.query('SELECT name FROM mdm.migrations');
    expect(mdm.rows.map((r) => r.name)).toEqual(['mdm-initial']);
  });

  it('refuses a migrations table name that is not a plain identifier', async () => {
    await expect(migrate(pool, [], { table: 'x; DROP TABLE logs' })).rejects.toThrow(/table:/);
  });
});
