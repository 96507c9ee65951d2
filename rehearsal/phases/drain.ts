import { verifyAcknowledgedLogs } from '../../simulator/identity/console-client.js';
import type { RunResult } from '../../simulator/metrics/contract.js';
import type { RehearsalContext } from '../context.js';
import type { LogFindings } from '../findings.js';
import type { PositionsReply } from '../generator/messages.js';
import { runPoolPhase } from '../generator/phase-run.js';

/** ours: a drain that takes longer than this is a server that does not take the logs. */
export const DRAIN_MAX_SECONDS = 60;
const DRAIN_RATE_PER_SECOND = 500;

/**
 * Every log still pending is sent (no new ones are made) until the server acknowledged it,
 * for at most a minute; then every acknowledged log is looked up on the server. Nothing an
 * agent was told is stored may be missing, and nothing an agent made may stay unsent.
 */
export async function drainAndVerify(
  context: RehearsalContext,
): Promise<{ findings: LogFindings; result: RunResult }> {
  const clients = context.plan.input.clients;
  context.feed.setPhase('drain');
  const { value: played, result } = await runPoolPhase(
    context.pool,
    { mode: 'drain', intervalSeconds: null, timeScale: 1, options: {} },
    (play) =>
      play(
        (slice) => ({
          kind: 'drain',
          ratePerSecond: (DRAIN_RATE_PER_SECOND * slice.count) / clients,
          maxSeconds: DRAIN_MAX_SECONDS,
        }),
        'drain',
      ),
  );
  const replies = await context.pool.all<PositionsReply>({ op: 'positions' });
  const positions = replies.flatMap((reply) => [...reply.positions]);
  const sum = (pick: (r: PositionsReply) => number) => replies.reduce((t, r) => t + pick(r), 0);
  let lost: number | null = null;
  try {
    lost = (await verifyAcknowledgedLogs(context.console, positions)).lost;
  } catch (error) {
    context.log(`the log check failed: ${(error as Error).message}`);
  }
  const findings: LogFindings = {
    generated: sum((r) => r.logs.generated),
    acknowledged: sum((r) => r.logs.acknowledged),
    pendingAfterDrain: sum((r) => r.logs.pending),
    drainSeconds: played.seconds,
    lost,
  };
  for (const failure of played.failures)
    context.log(`  drain failures: ${failure.count} x ${failure.reason}`);
  context.log(
    `logs: ${findings.generated.toLocaleString('en-US')} made, ${findings.acknowledged.toLocaleString('en-US')} acknowledged, ${findings.pendingAfterDrain} still pending after a ${played.seconds.toFixed(1)} s drain; ${lost === null ? 'not checked' : `${lost} acknowledged but not stored`}`,
  );
  return { findings, result };
}
