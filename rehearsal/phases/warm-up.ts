import type { RunResult } from '../../simulator/metrics/contract.js';
import type { RehearsalContext } from '../context.js';
import type { WarmUpFindings } from '../findings.js';
import { runPoolPhase } from '../generator/phase-run.js';
import { establishedOnPort, settledEstablishedOnPort } from '../proc.js';

export interface WarmUpOutcome {
  readonly findings: WarmUpFindings;
  readonly result: RunResult;
  readonly sessionsBefore: number;
  readonly sessionsAfter: number;
  readonly serverRssBeforeBytes: number;
  readonly serverRssAfterBytes: number;
}

/**
 * Unmeasured: every agent opens its persistent session (a full mutual-TLS handshake) and
 * replicates once, one after another at a bounded rate, so the measured phases never pay
 * for first contact. The server's memory before and after says what a held session costs.
 */
export async function warmUp(
  context: RehearsalContext,
  ratePerSecond: number,
): Promise<WarmUpOutcome> {
  const clients = context.plan.input.clients;
  const serverRssBeforeBytes = await context.watch.serverRssBytes();
  const sessionsBefore = await establishedOnPort(context.agentPort, context.agentHost);
  context.feed.setPhase('warm-up');
  context.log(
    `warm-up: ${clients.toLocaleString('en-US')} agents open their sessions at up to ${Math.round(ratePerSecond)}/s (not measured)`,
  );
  // Bounded by concurrency, the warm-up goes as fast as the server takes first contacts; one
  // slower than 50 a second would not fit a rehearsal anyway.
  const maxSeconds = clients / Math.min(ratePerSecond, 50) + 60;
  const { value: played, result } = await runPoolPhase(
    context.pool,
    { mode: 'warm-up', intervalSeconds: null, timeScale: 1, options: { ratePerSecond } },
    (play) =>
      play(
        (slice) => ({
          kind: 'warm-up',
          ratePerSecond: (ratePerSecond * slice.count) / clients,
          maxSeconds,
        }),
        'warm-up',
      ),
  );
  const sessionsAfter = await settledEstablishedOnPort(context.agentPort, context.agentHost);
  const serverRssAfterBytes = await context.watch.serverRssBytes();
  const findings: WarmUpFindings = {
    agents: clients,
    sessionsOpened: Math.min(played.recovered, played.openSessions),
    agentsReplicated: played.recovered,
    failed: played.failed,
    seconds: played.seconds,
    handshakesPerSecond: played.recovered / Math.max(played.lastOkSeconds, 0.001),
    generator: { limited: played.generatorLimited ?? false, reasons: played.generatorReasons },
  };
  for (const failure of played.failures)
    context.log(`  warm-up failures: ${failure.count} x ${failure.reason}`);
  context.log(
    `warm-up: ${findings.sessionsOpened.toLocaleString('en-US')} sessions open in ${played.lastOkSeconds.toFixed(1)} s (${Math.round(findings.handshakesPerSecond)} handshakes/s), ${played.failed} failed attempts; the server holds ${sessionsAfter.toLocaleString('en-US')}`,
  );
  return {
    findings,
    result,
    sessionsBefore,
    sessionsAfter,
    serverRssBeforeBytes,
    serverRssAfterBytes,
  };
}
