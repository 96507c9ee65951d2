import type { Command } from 'commander';
import { runAction } from '../cli/run-action.js';
import { UsageError } from '../cli/usage-error.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (smc serve also does this at start).')
    .option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL)')
    .action((options: { databaseUrl?: string }) =>
      runAction(async () => {
        const url = options.databaseUrl ?? process.env.DATABASE_URL;
        if (!url) throw new UsageError('--database-url: required (or set DATABASE_URL)');
        const { createPool, distributeIfCitus, migrate } = await import('../../server/index.js');
        const pool = createPool(url, 1);
        try {
          const report = await migrate(pool);
          // Cosmos DB for PostgreSQL (Citus): shard the per-agent tables by agent_id, once.
          const citus = await distributeIfCitus(pool);
          if (citus.citus && citus.distributed.length)
            process.stdout.write(`citus: distributed ${citus.distributed.join(', ')}\n`);
          process.stdout.write(
            report.applied.length
              ? `applied: ${report.applied.join(', ')}; now at ${report.current}\n`
              : `up to date at ${report.current}\n`,
          );
        } finally {
          await pool.end();
        }
        return 0;
      }),
    );
}
