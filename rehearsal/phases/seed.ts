import { MAX_SEED_AGENTS, type SeedSimulatedResponse } from '../../protocol/index.js';
import { consoleCall } from '../../simulator/identity/console-client.js';
import type { RehearsalContext } from '../context.js';
import type { DatabaseFindings } from '../findings.js';
import type { PositionsReply } from '../generator/messages.js';

/**
 * Fills the server's database to the plan's steady state before anything is measured:
 * computers and inventories came with the warm-up (one per client), the history comes here
 * (the guide's test case stores ~30 logs per client), through the server's own bulk load
 * (POST /api/simulation/seed: rehearsal/ speaks to the server only through its API).
 */
export async function seedDatabase(
  context: RehearsalContext,
  logsPerClient: number,
): Promise<DatabaseFindings> {
  const positions = await context.pool.all<PositionsReply>({ op: 'positions' });
  const ids = positions.flatMap((reply) => reply.positions.map((p) => p.agentId));
  context.log(
    `database: storing ${logsPerClient} logs of history for each of ${ids.length.toLocaleString('en-US')} computers`,
  );
  const started = performance.now();
  let logsSeeded = 0;
  let bytes = 0;
  for (let at = 0; at < ids.length; at += MAX_SEED_AGENTS) {
    const answer = await consoleCall<SeedSimulatedResponse>(
      context.console,
      'POST',
      '/api/simulation/seed',
      { agentIds: ids.slice(at, at + MAX_SEED_AGENTS), logsPerAgent: logsPerClient },
      600_000,
    );
    logsSeeded += answer.logsStored;
    bytes = answer.databaseBytes;
  }
  await context.pool.all({ op: 'history', through: logsPerClient });
  const seedSeconds = (performance.now() - started) / 1_000;
  context.log(
    `database: ${logsSeeded.toLocaleString('en-US')} logs stored in ${seedSeconds.toFixed(1)} s; ${(bytes / 2 ** 20).toFixed(0)} MiB on disk`,
  );
  return { logsPerClient, logsSeeded, seedSeconds, bytes };
}
