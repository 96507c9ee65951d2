import { createHash, randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import https from 'node:https';
import type { ReplicateRequest } from '../../protocol/index.js';
import { makeAgentCsr } from '../server/pki/make-agent-csr.js';

export interface HttpResult<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** A POST over HTTPS/1.1 (enroll, console API) that resolves with status and JSON body. */
export function httpsJson<T = unknown>(
  url: string,
  options: {
    ca: string;
    method?: string;
    body?: unknown;
    token?: string;
    rawBody?: string;
    cert?: string;
    key?: string;
  },
): Promise<HttpResult<T>> {
  const payload =
    options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: options.method ?? (payload ? 'POST' : 'GET'),
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({
            status: res.statusCode ?? 0,
            body: (text ? JSON.parse(text) : null) as T,
            headers: res.headers,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A test agent: its own key and certificate, one HTTP/2 session over mutual TLS. */
export class TestAgent {
  private session: http2.ClientHttp2Session | null = null;
  seq = 0;
  /** When each seq's log was made: a resend carries the same content, as a real agent's does. */
  private readonly logTimes = new Map<number, string>();

  private constructor(
    readonly agentUrl: string,
    readonly id: string,
    readonly cert: string,
    readonly key: string,
    readonly ca: string,
  ) {}

  static async enroll(agentUrl: string, ca: string, token: string): Promise<TestAgent> {
    const { csrPem, privateKeyPem } = await makeAgentCsr();
    const res = await httpsJson<{ agentId: string; certificate: string; caCertificate: string }>(
      `${agentUrl}/v1/enroll`,
      { ca, body: { token, csr: csrPem } },
    );
    if (res.status !== 200)
      throw new Error(`enroll failed: ${res.status} ${JSON.stringify(res.body)}`);
    return new TestAgent(agentUrl, res.body.agentId, res.body.certificate, privateKeyPem, ca);
  }

  /** Same identity against another server URL (e.g. a second process on the same CA). */
  at(agentUrl: string): TestAgent {
    return new TestAgent(agentUrl, this.id, this.cert, this.key, this.ca);
  }

  replicate<T = unknown>(body: unknown, rawBody?: string | Buffer): Promise<HttpResult<T>> {
    if (!this.session || this.session.closed || this.session.destroyed) {
      this.session = http2.connect(this.agentUrl, { ca: this.ca, cert: this.cert, key: this.key });
      this.session.on('error', () => {});
    }
    const session = this.session;
    const payload = rawBody ?? JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/v1/replicate',
        'content-type': 'application/json',
      });
      let status = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[':status']);
        headers = h as typeof headers;
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status, headers, body: (text ? JSON.parse(text) : null) as T });
      });
      stream.on('error', reject);
      stream.end(payload);
    });
  }

  close(): void {
    this.session?.close();
  }

  /** A valid replication body for this agent with `logs` new logs (seq continues). */
  body(
    options: {
      logs?: number;
      seqs?: number[];
      fingerprint?: string;
      policyVersion?: number;
      taskResults?: ReplicateRequest['taskResults'];
      hostname?: string;
    } = {},
  ): ReplicateRequest {
    const seqs = options.seqs ?? Array.from({ length: options.logs ?? 0 }, () => ++this.seq);
    const now = new Date().toISOString();
    return {
      agent: {
        id: this.id,
        fingerprint: options.fingerprint ?? fingerprintOf(this.id),
        version: '1.0.0',
        hostname: options.hostname ?? `pc-${this.id.slice(0, 8)}`,
        os: { family: 'windows', name: 'Windows 11 Pro', version: '23H2' },
      },
      status: {
        protection: 'ok',
        modulesVersion: '2026.11.1',
        lastUpdate: now,
        uptimeSeconds: 3_600,
      },
      logs: seqs.map((seq) => {
        if (!this.logTimes.has(seq)) this.logTimes.set(seq, now);
        return {
          seq,
          type: 'event' as const,
          time: this.logTimes.get(seq) as string,
          data: { message: `log ${seq}`, n: seq },
        };
      }),
      taskResults: options.taskResults ?? [],
      policyVersion: options.policyVersion ?? 0,
    };
  }
}

export function fingerprintOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function randomHex(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}
