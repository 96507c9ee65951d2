import type { ConnectionLimits } from './connection-hygiene.js';

/**
 * How long an agent's HTTP/2 session may sit idle before the server closes it. fastify's
 * default (http2SessionTimeout, 72 s) is shorter than every interval we tell: an agent on a
 * 10-60 minute interval found its session closed at each replication and paid a full mutual-TLS
 * handshake every time, which caps a server near 700/s (DESIGN, measured ceilings) and is not
 * the persistent connection the guide describes. The bound covers the longest interval the
 * server may tell (the base stretched to the load governor's limit, plus jitter), with a
 * quarter to spare; sessions of agents that went away still close. Ours.
 */
export function agentSessionIdleTimeoutMs(
  intervalSeconds: number,
  maxStretch: number,
  jitterFraction: number,
): number {
  return Math.ceil(intervalSeconds * maxStretch * (1 + jitterFraction) * 1.25) * 1_000;
}

/**
 * The agent listener's connection limits: its idle close follows the session idle timeout
 * above. The hygiene default (120 s, right for the console) closed every persistent agent
 * session two minutes after its replication: a 20,000-client rehearsal kept 12,557 sessions
 * of the 20,000 its warm-up opened, and each closed one paid a full handshake next time.
 */
export function agentConnectionLimits(
  sessionIdleTimeoutMs: number,
  overrides: ConnectionLimits = {},
): ConnectionLimits {
  return { idleTimeoutMs: sessionIdleTimeoutMs, ...overrides };
}
