import https from 'node:https';

/** One call to the console API (HTTPS/1.1, bearer token); rejects on a non-2xx answer. */
export function consoleRequest(
  url: string,
  options: {
    ca: string;
    token: string;
    method?: 'GET' | 'POST';
    body?: unknown;
    timeoutMs?: number;
  },
): Promise<string> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        timeout: options.timeoutMs ?? 10_000,
        headers: {
          authorization: `Bearer ${options.token}`,
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(text);
          else
            reject(new Error(`${options.method ?? 'GET'} ${url}: ${status} ${text.slice(0, 300)}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
