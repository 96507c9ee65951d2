import { createEnrollmentToken } from '../../simulator/identity/console-client.js';
import type { EnrolledIdentity } from '../../simulator/identity/enroll.js';
import type { RehearsalContext } from '../context.js';
import type { IdentityFindings } from '../findings.js';
import type { EnrollReply } from '../generator/messages.js';
import type { RehearsalIdentities } from '../identities.js';

/**
 * Every agent of the plan gets an identity: from the --identities cache where it holds one,
 * else enrolled now with a simulation token, each generator enrolling its own slice (its
 * key generation on its own core, the server signing ~2,000 a second).
 */
export async function provisionFleet(
  context: RehearsalContext,
  cache: RehearsalIdentities | undefined,
  server: { caPem: string; agentUrl: string },
): Promise<IdentityFindings> {
  const clients = context.plan.input.clients;
  const cached = cache ? await cache.read(server.caPem) : [];
  const reused = Math.min(cached.length, clients);
  const missing = clients - reused;
  const token = missing > 0 ? await createEnrollmentToken(context.console, missing) : '';
  if (missing > 0)
    context.log(
      `enrolling ${missing.toLocaleString('en-US')} agents on ${context.pool.size} generator processes${reused > 0 ? ` (${reused.toLocaleString('en-US')} reused)` : ''}`,
    );
  const started = performance.now();
  const replies = await context.pool.each<EnrollReply>((generator) => ({
    op: 'enroll',
    token,
    have: cached.slice(generator.slice.first, generator.slice.first + generator.slice.count),
  }));
  const seconds = (performance.now() - started) / 1_000;
  const identities: EnrolledIdentity[] = replies.flatMap((reply) => [...reply.identities]);
  if (cache && missing > 0) await cache.write(server.caPem, server.agentUrl, identities);
  const findings: IdentityFindings = {
    agents: clients,
    reused,
    enrolled: missing,
    enrollSeconds: seconds,
    enrollmentsPerSecond: missing > 0 ? missing / Math.max(seconds, 0.001) : null,
  };
  context.log(
    missing > 0
      ? `identities: ${reused.toLocaleString('en-US')} reused, ${missing.toLocaleString('en-US')} enrolled in ${seconds.toFixed(1)} s (${Math.round(findings.enrollmentsPerSecond ?? 0).toLocaleString('en-US')}/s)`
      : `identities: all ${reused.toLocaleString('en-US')} reused from ${cache?.dir}`,
  );
  return findings;
}
