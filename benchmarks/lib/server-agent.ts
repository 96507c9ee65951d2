import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import {
  type LogEntry,
  type LogType,
  MAX_LOGS_PER_REPLICATION,
  type ReplicateRequest,
} from '../../protocol/index.js';

export interface BenchIdentity {
  readonly id: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

const LOG_TYPES: readonly LogType[] = ['event', 'firewall', 'hips', 'audit', 'scan', 'detection'];
const OS_CHOICES = [
  { family: 'windows', name: 'Windows 11 Pro', version: '23H2' },
  { family: 'windows', name: 'Windows Server 2022', version: '21H2' },
  { family: 'linux', name: 'Ubuntu', version: '24.04' },
  { family: 'macos', name: 'macOS', version: '15.1' },
] as const;

/**
 * One virtual agent of the benchmark: its own certificate and HTTP/2 session, a seq counter
 * and an outbox of logs the server has not acknowledged yet. Every replication carries the
 * whole outbox (resends first), so a refused or failed replication loses nothing and the
 * server's `ack.logsThrough` decides what is dropped, exactly as DESIGN's lossless rules say.
 */
export class BenchAgent {
  private session: http2.ClientHttp2Session | null = null;
  private nextSeq = 1;
  private outbox: LogEntry[] = [];
  private readonly identityFields: ReplicateRequest['agent'];
  private readonly status: ReplicateRequest['status'];
  /** Highest seq the server acknowledged. */
  ackedThrough = 0;
  /** Logs sent again because an earlier replication of them was not acknowledged. */
  resentLogs = 0;

  constructor(
    readonly identity: BenchIdentity,
    readonly index: number,
    private readonly agentUrl: string,
    private readonly caPem: string,
  ) {
    const os = OS_CHOICES[index % OS_CHOICES.length] ?? OS_CHOICES[0];
    this.identityFields = {
      id: identity.id,
      fingerprint: createHash('sha256').update(`hw-${identity.id}`).digest('hex'),
      version: '11.1.2039',
      hostname: `ws-${String(index).padStart(5, '0')}.corp.example`,
      os: { ...os },
    };
    // A full status each time; `lastUpdate` is when modules last updated, which is stable
    // between updates, so steady replications carry the same values (as real agents do).
    this.status = {
      protection: index % 50 === 0 ? 'warning' : 'ok',
      modulesVersion: '2026.11.27.1',
      lastUpdate: '2026-11-27T06:00:00.000Z',
      uptimeSeconds: 3_600 + index,
    };
  }

  /** The open session, reconnecting if it was closed (persistent: one per agent). */
  connection(): http2.ClientHttp2Session {
    if (!this.session || this.session.closed || this.session.destroyed) {
      const session = http2.connect(this.agentUrl, {
        ca: this.caPem,
        cert: this.identity.certificatePem,
        key: this.identity.privateKeyPem,
      });
      session.on('error', () => {});
      session.on('close', () => {
        if (this.session === session) this.session = null;
      });
      this.session = session;
    }
    return this.session;
  }

  /** Resolves once the TLS handshake and HTTP/2 settings exchange are done. */
  connect(timeoutMs: number): Promise<void> {
    const session = this.connection();
    if (session.connecting === false && !session.destroyed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`agent ${this.index}: connect timed out`)),
        timeoutMs,
      );
      session.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      session.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** A replication body: the unacknowledged outbox plus `newLogs` fresh logs. */
  replicationBody(newLogs: number): string {
    if (this.outbox.length > 0) this.resentLogs += this.outbox.length;
    for (let i = 0; i < newLogs; i++) this.outbox.push(this.makeLog(this.nextSeq++));
    return this.serialise(this.outbox.slice(0, MAX_LOGS_PER_REPLICATION));
  }

  /** The same shape and size for the no-op endpoint, without consuming seqs. */
  noopBody(newLogs: number): string {
    const logs = Array.from({ length: newLogs }, (_, i) => this.makeLog(this.nextSeq + i));
    return this.serialise(logs);
  }

  /**
   * Applies a 200 answer: drops acknowledged logs. Returns how many logs this answer newly
   * acknowledged, or null if the ack is impossible (beyond what was ever sent).
   */
  acknowledge(logsThrough: number): number | null {
    if (!Number.isInteger(logsThrough) || logsThrough >= this.nextSeq) return null;
    if (logsThrough <= this.ackedThrough) return 0;
    const newly = logsThrough - this.ackedThrough;
    this.ackedThrough = logsThrough;
    this.outbox = this.outbox.filter((log) => log.seq > logsThrough);
    return newly;
  }

  get unacknowledged(): number {
    return this.outbox.length;
  }

  close(): void {
    this.session?.close();
    this.session = null;
  }

  private serialise(logs: LogEntry[]): string {
    const body: ReplicateRequest = {
      agent: this.identityFields,
      status: this.status,
      logs,
      taskResults: [],
      policyVersion: 0,
    };
    return JSON.stringify(body);
  }

  /** About 200 bytes of `data`, shaped like a firewall/HIPS event. */
  private makeLog(seq: number): LogEntry {
    const n = this.index * 7 + seq;
    return {
      seq,
      type: LOG_TYPES[seq % LOG_TYPES.length] ?? 'event',
      time: new Date().toISOString(),
      data: {
        message: `Connection to 203.0.113.${n % 250} blocked by rule ${n % 40}`,
        process: 'C:\\Program Files\\Contoso\\Updater\\updater.exe',
        user: `CORP\\user${this.index}`,
        remote: `203.0.113.${n % 250}:${1024 + (n % 60000)}`,
        severity: n % 10 === 0 ? 'warning' : 'info',
        ruleId: n % 40,
      },
    };
  }
}
