import type { ClientHttp2Session } from 'node:http2';
import type { EndpointName, GaugeName, RunRecorder } from '../metrics/contract.js';
import { type ClientIdentityPem, openSession } from './connect.js';
import { classifyError } from './failure.js';
import { type JsonReply, postJson } from './post-json.js';
import type { ProxyEndpoint } from './proxy-tunnel.js';
import type { TargetEndpoint } from './target.js';
import { timedRequest } from './timed-request.js';
import { ClientTlsContexts } from './tls-contexts.js';

export type ConnectionMode = 'persistent' | 'per-replication';
export const CONNECTION_MODES: readonly ConnectionMode[] = ['persistent', 'per-replication'];

export interface AgentTransportOptions {
  readonly target: TargetEndpoint;
  readonly proxy?: ProxyEndpoint;
  readonly mode: ConnectionMode;
  /** Bound on one replication, connect included. */
  readonly timeoutMs: number;
  /** Where `connections_opened` is counted; phases may switch it (useRecorder). */
  readonly recorder: RunRecorder;
  /** Where each request goes. @default REPLICATE_PATH (the MDM devices post their check-ins) */
  readonly path?: string;
  /** The endpoint requests are reported under. @default 'replicate' */
  readonly endpoint?: EndpointName;
  /** The gauge that follows the sessions open right now. @default 'sessions_open' */
  readonly sessionsGauge?: GaugeName;
}

export const REPLICATE_PATH = '/v1/replicate';

/**
 * Each agent's own connection to the agent plane, as deployed agents have: `persistent`
 * keeps one HTTP/2 session per agent open across replications; `per-replication` opens a
 * fresh one each time and resumes the agent's last TLS session to skip the full handshake.
 */
export class AgentTransport {
  private readonly sessions = new Map<number, ClientHttp2Session>();
  private readonly tickets = new Map<number, Buffer>();
  private readonly contexts: ClientTlsContexts;
  private recorder: RunRecorder;
  private closed = false;
  /** Sessions open right now, either mode (per-replication ones while their request runs). */
  private live = 0;

  constructor(private readonly options: AgentTransportOptions) {
    this.contexts = new ClientTlsContexts(options.target.caPem);
    this.recorder = options.recorder;
  }

  /** Counts later connections into `recorder` (each phase of a rehearsal has its own). */
  useRecorder(recorder: RunRecorder): void {
    this.recorder = recorder;
    // Sessions opened in an earlier phase are still connected in this one.
    this.reportLive();
  }

  private reportLive(): void {
    this.recorder.setGauge(this.options.sessionsGauge ?? 'sessions_open', this.live);
  }

  /** One replication for agent `key`; rejects with a TransportFailure when no answer came. */
  async replicate(key: number, identity: ClientIdentityPem, body: string): Promise<JsonReply> {
    // Timed from before the connect: a replication that had to connect first waited for it.
    return timedRequest(this.recorder, this.options.endpoint ?? 'replicate', body, async () => {
      const started = Date.now();
      const session = await this.sessionFor(key, identity);
      const left = Math.max(1, this.options.timeoutMs - (Date.now() - started));
      try {
        return await postJson(session, this.options.path ?? REPLICATE_PATH, body, left);
      } catch (error) {
        // A session that failed a request is not trusted for the next one.
        this.drop(key, session);
        throw classifyError(error);
      } finally {
        if (this.options.mode === 'per-replication') this.drop(key, session);
      }
    });
  }

  /** Open sessions right now (persistent mode). */
  get openSessions(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.closeSessions();
  }

  /**
   * Closes every open session (an outage as the agents see it); the next replication of each
   * agent connects again. For the rehearsal's reconnect storm.
   */
  async closeSessions(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    const closing = open.map(
      (session) => new Promise<void>((resolve) => session.close(() => resolve())),
    );
    await Promise.race([Promise.all(closing), new Promise((r) => setTimeout(r, 2_000).unref())]);
    for (const session of open) if (!session.destroyed) session.destroy();
  }

  private async sessionFor(key: number, identity: ClientIdentityPem): Promise<ClientHttp2Session> {
    const existing = this.sessions.get(key);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const perReplication = this.options.mode === 'per-replication';
    const resume = perReplication ? this.tickets.get(key) : undefined;
    const session = await openSession({
      target: this.options.target,
      identity,
      ...(this.options.proxy ? { proxy: this.options.proxy } : {}),
      ...(resume ? { resume } : {}),
      ...(perReplication ? { onTicket: (ticket: Buffer) => this.tickets.set(key, ticket) } : {}),
      timeoutMs: this.options.timeoutMs,
      contexts: this.contexts,
    });
    this.recorder.count('connections_opened');
    this.live++;
    this.reportLive();
    session.once('close', () => {
      this.live--;
      this.reportLive();
    });
    if (!perReplication && !this.closed) {
      this.sessions.set(key, session);
      const forget = () => {
        if (this.sessions.get(key) === session) this.sessions.delete(key);
      };
      session.once('close', forget);
      session.once('goaway', forget);
    }
    return session;
  }

  private drop(key: number, session: ClientHttp2Session): void {
    if (this.sessions.get(key) === session) this.sessions.delete(key);
    if (!session.destroyed) session.close();
  }
}
