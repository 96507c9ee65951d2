import { type Static, Type } from 'typebox';
import { UtcTime } from './common.js';

/*
 * Push channel (wake-up calls): MQTT 3.1.1 over TLS, default port 8883 (the guide's push
 * service). An agent connects with its own agent certificate, uses its agent id as the MQTT
 * client id, and may subscribe only to its own topic; nothing but the server publishes. A
 * wake-up carries no data: it only says "replicate now", so a lost one costs nothing but time
 * (the agent still replicates at its interval).
 */

/** The push port (guide: 8883/tcp, 443 as fallback). */
export const DEFAULT_PUSH_PORT = 8883;

/** The one topic agent `agentId` may subscribe to. */
export function wakeupTopic(agentId: string): string {
  return `smc/agents/${agentId}/wakeup`;
}

/** What is waiting for the agent. */
export const WakeupReason = Type.Union([Type.Literal('task'), Type.Literal('policy')]);

export const WakeupMessage = Type.Object(
  {
    reason: WakeupReason,
    /** When the server published it (for the latency the simulator reports). */
    at: UtcTime,
  },
  { additionalProperties: false },
);
export type WakeupMessage = Static<typeof WakeupMessage>;
