import { describe, expect, it } from 'vitest';
import { DEFAULT_CONNECTION_LIMITS } from '../../server/http/connection-hygiene.js';
import {
  agentConnectionLimits,
  agentSessionIdleTimeoutMs,
} from '../../server/http/session-timeout.js';

describe('agent session idle timeout', () => {
  it('outlasts the longest interval the server may tell, so persistent sessions stay', () => {
    // fastify's default (72 s) closed every 10-60 minute agent's session between replications.
    const tenMinutes = agentSessionIdleTimeoutMs(600, 4, 0.1);
    expect(tenMinutes).toBe(3_300_000);
    expect(tenMinutes).toBeGreaterThan(600 * 4 * 1.1 * 1_000);
    expect(agentSessionIdleTimeoutMs(3_600, 4, 0.1)).toBeGreaterThan(4 * 3_600 * 1_000);
  });
});

describe('agent connection limits', () => {
  it('close an idle agent connection only after the session idle timeout, not the hygiene default', () => {
    const idle = agentSessionIdleTimeoutMs(600, 4, 0.1);
    // DEFAULT_CONNECTION_LIMITS' 120 s would close a 10-minute agent's session between replications.
    expect(agentConnectionLimits(idle).idleTimeoutMs).toBe(idle);
    expect(agentConnectionLimits(idle).idleTimeoutMs).toBeGreaterThan(
      DEFAULT_CONNECTION_LIMITS.idleTimeoutMs,
    );
    expect(agentConnectionLimits(idle, { idleTimeoutMs: 5_000 }).idleTimeoutMs).toBe(5_000);
  });
});
