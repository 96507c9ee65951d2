import http2 from 'node:http2';
import { request } from 'node:https';

export interface JsonAnswer<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly retryAfterSeconds: number | null;
}

export interface TlsIdentity {
  /** Trust anchor for the server (its agent CA). */
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

const TIMEOUT_MS = 30_000;

/** One JSON call over HTTPS/1.1: enrollment and console calls, made rarely. */
export function httpsJson<T>(
  url: string,
  tls: TlsIdentity,
  options: { method?: 'GET' | 'POST'; body?: unknown; bearer?: string } = {},
): Promise<JsonAnswer<T>> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? (payload ? 'POST' : 'GET'),
        ...tls,
        timeout: TIMEOUT_MS,
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: parse(Buffer.concat(chunks).toString('utf8')) as T,
            retryAfterSeconds: retryAfter(res.headers['retry-after']),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A persistent HTTP/2 session over mutual TLS, reopened when it drops (the agent plane). */
export class Http2JsonChannel {
  private session: http2.ClientHttp2Session | null = null;

  constructor(
    private readonly origin: string,
    private readonly tls: Required<TlsIdentity>,
  ) {}

  post<T>(path: string, body: unknown): Promise<JsonAnswer<T>> {
    const session = this.open();
    return new Promise((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/json',
      });
      stream.setTimeout(TIMEOUT_MS, () =>
        stream.close(http2.constants.NGHTTP2_CANCEL, () =>
          reject(new Error(`${this.origin}${path}: no answer in ${TIMEOUT_MS} ms`)),
        ),
      );
      let status = 0;
      let retry: string | string[] | undefined;
      const chunks: Buffer[] = [];
      stream.on('response', (headers) => {
        status = Number(headers[':status']);
        retry = headers['retry-after'];
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        resolve({
          status,
          body: parse(Buffer.concat(chunks).toString('utf8')) as T,
          retryAfterSeconds: retryAfter(retry),
        }),
      );
      stream.on('error', reject);
      stream.end(JSON.stringify(body));
    });
  }

  close(): void {
    this.session?.close();
    this.session = null;
  }

  private open(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = http2.connect(this.origin, this.tls);
    // Errors surface on the stream that fails; the next call opens a new session.
    session.on('error', () => {});
    session.on('close', () => {
      if (this.session === session) this.session = null;
    });
    this.session = session;
    return session;
  }
}

function parse(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function retryAfter(header: string | string[] | undefined): number | null {
  const value = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(value) && value >= 0 ? value : null;
}
