import { type ClientHttp2Session, constants } from 'node:http2';
import { classifyError, TransportFailure } from './failure.js';

export interface JsonReply {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: string;
}

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE } =
  constants;

/** One POST with a JSON body on an open session; rejects with a TransportFailure. */
export function postJson(
  session: ClientHttp2Session,
  path: string,
  body: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<JsonReply> {
  return new Promise((resolve, reject) => {
    let stream: ReturnType<ClientHttp2Session['request']>;
    try {
      stream = session.request({
        [HTTP2_HEADER_METHOD]: 'POST',
        [HTTP2_HEADER_PATH]: path,
        [HTTP2_HEADER_CONTENT_TYPE]: 'application/json',
        ...headers,
      });
    } catch (error) {
      reject(classifyError(error));
      return;
    }
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      settle(() =>
        reject(new TransportFailure('timeout', `no answer to ${path} within ${timeoutMs} ms`)),
      );
      stream.close(constants.NGHTTP2_CANCEL);
    }, timeoutMs);
    let status = 0;
    let retryAfter: string | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (responseHeaders) => {
      status = Number(responseHeaders[HTTP2_HEADER_STATUS]);
      const header = responseHeaders['retry-after'];
      retryAfter = Array.isArray(header) ? header[0] : header;
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () =>
      settle(() => resolve({ status, retryAfter, body: Buffer.concat(chunks).toString('utf8') })),
    );
    stream.on('error', (error) => settle(() => reject(classifyError(error))));
    // After 'end' this is a no-op; before it, the stream was reset or the session died.
    stream.on('close', () =>
      settle(() =>
        reject(
          new TransportFailure('connect_error', `stream to ${path} closed without a full answer`),
        ),
      ),
    );
    stream.end(body);
  });
}
