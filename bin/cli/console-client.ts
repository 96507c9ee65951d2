import { request } from 'node:https';

/** A console API call over HTTPS with the admin token; errors carry the server's message. */
export function consoleRequest<T>(options: {
  baseUrl: string;
  path: string;
  method: 'GET' | 'POST' | 'PUT';
  token: string;
  ca: string;
  body?: unknown;
  timeoutMs?: number;
}): Promise<T> {
  const url = new URL(options.path, options.baseUrl);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method,
        ca: options.ca,
        timeout: options.timeoutMs ?? 30_000,
        headers: {
          authorization: `Bearer ${options.token}`,
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = text;
          }
          if ((res.statusCode ?? 500) >= 400) {
            const message = (parsed as { error?: { message?: string } })?.error?.message ?? text;
            reject(
              new Error(
                `console API ${options.method} ${url.pathname}: ${res.statusCode} ${message}`,
              ),
            );
          } else resolve(parsed as T);
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`console API at ${url.origin} did not answer in time`)),
    );
    req.on('error', (error) => reject(new Error(`console API at ${url.origin}: ${error.message}`)));
    req.end(payload);
  });
}
