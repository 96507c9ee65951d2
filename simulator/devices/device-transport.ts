import type { RunRecorder } from '../metrics/contract.js';
import { AgentTransport } from '../transport/agent-transport.js';
import type { JsonReply } from '../transport/post-json.js';
import type { TargetEndpoint } from '../transport/target.js';
import type { DeviceConnectionMode } from './device-simulation-options.js';
import type { DeviceIdentity } from './virtual-device.js';

export const CHECK_IN_PATH = '/mdm/v1/check-in';

/**
 * Check-ins over HTTP/2 with mutual TLS, on the agents' transport: `persistent` keeps one
 * session per device open between check-ins (a phone that keeps its connection while it can);
 * `per-check-in` connects for each check-in and resumes the device's last TLS session, as a
 * phone woken by a push does (and what lets one generator play 50,000 devices). A failed
 * session is never reused: the next check-in reconnects.
 */
export class DeviceTransport {
  private readonly transport: AgentTransport;

  constructor(
    target: TargetEndpoint,
    timeoutMs: number,
    recorder: RunRecorder,
    mode: DeviceConnectionMode = 'persistent',
  ) {
    this.transport = new AgentTransport({
      target,
      mode: mode === 'persistent' ? 'persistent' : 'per-replication',
      timeoutMs,
      recorder,
      path: CHECK_IN_PATH,
      endpoint: 'mdm_check_in',
      sessionsGauge: 'device_sessions_open',
    });
  }

  checkIn(slot: number, identity: DeviceIdentity, body: string): Promise<JsonReply> {
    return this.transport.replicate(slot, identity, body);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
