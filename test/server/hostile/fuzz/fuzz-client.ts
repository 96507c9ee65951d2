import https from 'node:https';

export interface RawAnswer {
  /** HTTP status; 'hang' when nothing came back within the deadline. */
  readonly status: number | 'hang';
  readonly body: unknown;
}

/** Ours: no answer in this long is a hang (the server answers in milliseconds, or 503s). */
export const HANG_MS = 10_000;

/** Any bytes to any route over HTTPS/1.1, answered or timed out, never thrown. */
export function request(
  url: string,
  options: {
    ca: string;
    method?: string;
    body?: string | Buffer;
    bearer?: string;
    cert?: string;
    key?: string;
    /** A keep-alive agent saves a TLS handshake per case. @default a new connection */
    agent?: https.Agent;
  },
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ status: 'hang', body: null }), HANG_MS);
    const req = https.request(url, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      agent: options.agent ?? false,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}),
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString();
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {}
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: 0, body: error.message });
    });
    req.end(options.body);
  });
}

/** A query string with any values: bytes percent-encoded, `%..` forms sent as they are. */
export function queryString(params: Record<string, string>): string {
  const parts = Object.entries(params).map(([key, value]) => {
    const encoded = /^(%[0-9A-F]{2})+$/i.test(value)
      ? value
      : [...Buffer.from(value)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    return `${key}=${encoded}`;
  });
  return parts.length ? `?${parts.join('&')}` : '';
}
