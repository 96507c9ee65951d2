import type http2 from 'node:http2';
import https from 'node:https';

export interface BenchResponse {
  /** HTTP status, or 0 when the request failed below HTTP (see `failure`). */
  readonly status: number;
  readonly text: string;
  /** 'timeout' or the transport error's code when status is 0. */
  readonly failure?: string;
}

/** POST over HTTPS/1.1 on a keep-alive agent (enrollment), bounded by a timeout. */
export function postHttps1(
  url: string,
  payload: string,
  options: { ca: string; agent: https.Agent; timeoutMs: number },
): Promise<BenchResponse> {
  return new Promise((resolve) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        ca: options.ca,
        agent: options.agent,
        headers: { 'content-type': 'application/json' },
        timeout: options.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ status: 0, text: '', failure: error.code ?? 'response-error' }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: 0, text: '', failure: error.code ?? 'request-error' }),
    );
    req.end(payload);
  });
}

/** One POST stream on an open HTTP/2 session; never rejects, so a step loop cannot leak. */
export function postHttp2(
  session: http2.ClientHttp2Session,
  path: string,
  payload: string,
  timeoutMs: number,
): Promise<BenchResponse> {
  return new Promise((resolve) => {
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/json',
      });
    } catch (error) {
      resolve({ status: 0, text: '', failure: (error as NodeJS.ErrnoException).code ?? 'session' });
      return;
    }
    let status = 0;
    let settled = false;
    const chunks: Buffer[] = [];
    const finish = (result: BenchResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      stream.close();
      finish({ status: 0, text: '', failure: 'timeout' });
    }, timeoutMs);
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => finish({ status, text: Buffer.concat(chunks).toString() }));
    stream.on('close', () => finish({ status: 0, text: '', failure: 'stream-closed' }));
    stream.on('error', (error: NodeJS.ErrnoException) =>
      finish({ status: 0, text: '', failure: error.code ?? 'stream-error' }),
    );
    stream.end(payload);
  });
}
