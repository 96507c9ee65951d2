import pg from 'pg';
import { expect, it } from 'vitest';
import { RevokedAgents } from '../../../server/cache/revocations.js';
import { TaskHints } from '../../../server/cache/task-hints.js';
import { migrate } from '../../../server/store/migrate.js';
import { freshDatabase } from '../../support/database.js';

/**
 * Background reloads that fail are told, never swallowed (issue 20): a revocation list that
 * cannot reload keeps serving the last set, and the operator must see why in the log.
 */
it('tells a failed periodic reload of revocations and task hints, keeping the last state', async () => {
  const pool = new pg.Pool({ connectionString: await freshDatabase('reload-errors'), max: 2 });
  await migrate(pool);
  await pool.query(
    "INSERT INTO revoked_agents (agent_id, reason) VALUES ('00000000-0000-4000-8000-000000000001', 'test')",
  );
  const revoked = new RevokedAgents(pool);
  const hints = new TaskHints(pool);
  await revoked.reload();
  await hints.reload();
  await pool.end(); // every query from now on fails
  const told: string[] = [];
  const seen = new Promise<void>((resolve) => {
    const note = (what: string) => (error: unknown) => {
      told.push(`${what}: ${(error as Error).message}`);
      if (told.length >= 2) resolve();
    };
    revoked.startReloading(note('revocations'), 20);
    hints.startPruning(note('hints'), 20);
  });
  await seen;
  revoked.stop();
  hints.stop();
  expect(told.some((t) => t.startsWith('revocations: '))).toBe(true);
  expect(told.some((t) => t.startsWith('hints: '))).toBe(true);
  expect(revoked.has('00000000-0000-4000-8000-000000000001')).toBe(true);
});
