import type { ClientHttp2Session } from 'node:http2';
import type { RunRecorder } from '../metrics/contract.js';
import { openSession } from '../transport/connect.js';
import { type JsonReply, postJson } from '../transport/post-json.js';
import type { TargetEndpoint } from '../transport/target.js';
import type { DeviceIdentity } from './virtual-device.js';

/**
 * Check-ins over HTTP/2 with mutual TLS: one long-lived session per device (a phone keeps its
 * connection to the connector while it can), opened on first use and again after a failure.
 */
export class DeviceTransport {
  private readonly sessions = new Map<number, ClientHttp2Session>();

  constructor(
    private readonly target: TargetEndpoint,
    private readonly timeoutMs: number,
    private readonly recorder: RunRecorder,
  ) {}

  async checkIn(slot: number, identity: DeviceIdentity, body: string): Promise<JsonReply> {
    let session = this.sessions.get(slot);
    if (!session || session.closed || session.destroyed) {
      session = await openSession({
        target: this.target,
        identity: { keyPem: identity.keyPem, certPem: identity.certPem },
        timeoutMs: this.timeoutMs,
      });
      this.sessions.set(slot, session);
      this.recorder.count('connections_opened');
    }
    try {
      return await postJson(session, '/mdm/v1/check-in', body, this.timeoutMs);
    } catch (error) {
      // A broken session is not reused: the next check-in reconnects, as a phone would.
      session.destroy();
      this.sessions.delete(slot);
      throw error;
    }
  }

  async close(): Promise<void> {
    const closing = [...this.sessions.values()].map(
      (session) => new Promise<void>((resolve) => session.close(() => resolve())),
    );
    this.sessions.clear();
    await Promise.all(closing);
  }
}
