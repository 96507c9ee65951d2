import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicateResponse } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import { MigrationRefused, migrate } from '../../../server/store/migrate.js';
import { MIGRATIONS, type Migration } from '../../../server/store/migrations/index.js';
import { createPool } from '../../../server/store/pool.js';
import { TestAgent } from '../../support/agent-client.js';
import { freshDatabase } from '../../support/database.js';
import { enrollmentToken, testServer } from '../../support/server.js';

const NEWEST = Math.max(...MIGRATIONS.map((m) => m.version));
// The release before: the newest version below NEWEST (numbers may have gaps).
const OLDER_LEVEL = Math.max(...MIGRATIONS.filter((m) => m.version < NEWEST).map((m) => m.version));
/** A contract step: the previous version reads the column it drops. */
const CONTRACT: Migration = {
  version: NEWEST + 1,
  name: 'drop-computers-modules-version',
  sql: 'ALTER TABLE computers DROP COLUMN modules_version',
  previousCanRun: false,
};

let databaseUrl: string;
let older: RunningServer | undefined;
const pool = () => createPool(databaseUrl, 2);

beforeAll(async () => {
  databaseUrl = await freshDatabase('expand-contract');
});
afterAll(async () => {
  await older?.close();
});

async function level(): Promise<number> {
  const p = pool();
  try {
    const { rows } = await p.query<{ v: number }>(
      'SELECT max(version)::int AS v FROM smc_migrations',
    );
    return rows[0]?.v ?? 0;
  } finally {
    await p.end();
  }
}

describe('expand/contract migrations during a rolling upgrade', () => {
  it('refuses a contract step while an older server is connected, with the reason', async () => {
    // The "FROM" release: knows one migration less and says so on its connections.
    older = await testServer({
      databaseUrl,
      schemaLevel: OLDER_LEVEL,
      version: '0.0.9',
      push: false,
    });
    expect(await level()).toBe(OLDER_LEVEL);

    const p = pool();
    try {
      const refusal = await migrate(p, [...MIGRATIONS, CONTRACT]).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(MigrationRefused);
      const message = (refusal as Error).message;
      expect(message).toContain(
        `migration ${CONTRACT.version} (${CONTRACT.name}) is a contract step`,
      );
      expect(message).toContain(
        `smc-server 0.0.9 (knows migrations up to ${OLDER_LEVEL}; pid ${process.pid}`,
      );
      expect(message).toMatch(/upgrade every server first/);
      // Refused as a whole: nothing was applied, not even the expand step before it.
      expect(await level()).toBe(OLDER_LEVEL);

      // The expand-only step goes in under the running older server, which keeps working.
      const report = await migrate(p, MIGRATIONS);
      expect(report.applied).toEqual([`${NEWEST}-${MIGRATIONS.at(-1)?.name}`]);
      const token = await enrollmentToken(older);
      const agent = await TestAgent.enroll(older.agentUrl, older.caCertPem, token);
      const res = await agent.replicate<ReplicateResponse>(agent.body({ logs: 2 }));
      expect(res.status).toBe(200);
      expect(res.body.ack.logsThrough).toBe(2);
      agent.close();
    } finally {
      await p.end();
    }
  });

  it('lets the older release restart on an expand-only newer schema, and applies the contract step once it is gone', async () => {
    await older?.close();
    // Rollback half: the older release starts on the schema the newer one migrated.
    older = await testServer({
      databaseUrl,
      schemaLevel: OLDER_LEVEL,
      version: '0.0.9',
      push: false,
    });
    await older.close();
    older = undefined;

    const p = pool();
    try {
      const report = await migrate(p, [...MIGRATIONS, CONTRACT]);
      expect(report.applied).toEqual([`${CONTRACT.version}-${CONTRACT.name}`]);
      // After a contract step the older release refuses to start, naming why.
      await expect(
        testServer({ databaseUrl, schemaLevel: OLDER_LEVEL, version: '0.0.9', push: false }),
      ).rejects.toThrow(
        new RegExp(`migrations this smc-kit does not know \\(${CONTRACT.version}\\)`),
      );
    } finally {
      await p.end();
    }
  });
});
