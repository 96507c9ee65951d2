import type { RunResult } from '../../simulator/metrics/contract.js';
import type { RehearsalContext } from '../context.js';
import type { StormFindings } from '../findings.js';
import { runPoolPhase } from '../generator/phase-run.js';
import { establishedOnPort, settledEstablishedOnPort } from '../proc.js';
import { ProcessWatch } from '../process-watch.js';
import { stormBoundSeconds } from '../storm-bound.js';

export interface StormOutcome {
  readonly findings: StormFindings;
  readonly result: RunResult;
  readonly sessionsAfter: number;
}

/**
 * The reconnect storm the plan's peak assumes: every agent loses its session (an outage as
 * the agents see it) and comes back at a random moment of one jitter window, with a full
 * mutual-TLS handshake. A server past its pace must shed with 503 + Retry-After, never time
 * out or reset; the fleet has recovered when every agent has replicated again.
 */
export async function playStorm(
  context: RehearsalContext,
  windowSeconds: number,
): Promise<StormOutcome> {
  const { plan } = context;
  const clients = context.agents;
  const boundSeconds = stormBoundSeconds(windowSeconds);
  context.feed.setPhase('storm');
  await context.pool.all({ op: 'close-sessions' });
  // Let the server see the outage before the agents come back.
  for (
    let i = 0;
    i < 50 && (await establishedOnPort(context.agentPort, context.agentHost)) > clients * 0.01;
    i++
  )
    await new Promise((resolve) => setTimeout(resolve, 200));
  context.log(
    `storm: every session dropped; ${clients.toLocaleString('en-US')} agents come back within ${windowSeconds} s (${Math.round(clients / windowSeconds)}/s${windowSeconds < plan.replication.jitterSeconds ? `, ${(plan.replication.jitterSeconds / windowSeconds).toFixed(1)}x the plan's peak` : ", the plan's peak"}); recovered within ${boundSeconds} s or it fails`,
  );
  const before = await context.watch.read();
  const { value: played, result } = await runPoolPhase(
    context.pool,
    {
      mode: 'storm',
      intervalSeconds: null,
      timeScale: 1,
      options: { windowSeconds, boundSeconds },
    },
    (play) => play(() => ({ kind: 'storm', windowSeconds, maxSeconds: boundSeconds }), 'storm'),
  );
  const spent = ProcessWatch.spent(before, await context.watch.read());
  const sessionsAfter = await settledEstablishedOnPort(context.agentPort, context.agentHost);
  const findings: StormFindings = {
    agents: clients,
    windowSeconds,
    planWindowSeconds: plan.replication.jitterSeconds,
    boundSeconds,
    recovered: played.recovered,
    recoverySeconds: played.lastOkSeconds,
    attempts: played.completed,
    shed: played.shed,
    otherFailures: played.failed - played.shed,
    p99Ms: played.percentile(99),
    generator: { limited: played.generatorLimited ?? false, reasons: played.generatorReasons },
    machineStarved: ProcessWatch.starved(spent),
  };
  for (const failure of played.failures)
    context.log(`  storm failures: ${failure.count} x ${failure.reason}`);
  context.log(
    `storm: ${played.recovered.toLocaleString('en-US')} of ${clients.toLocaleString('en-US')} back in ${played.lastOkSeconds.toFixed(1)} s; ${played.shed.toLocaleString('en-US')} shed with 503, ${findings.otherFailures} other failures; the server holds ${sessionsAfter.toLocaleString('en-US')} sessions`,
  );
  return { findings, result, sessionsAfter };
}
