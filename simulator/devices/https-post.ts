import { Agent, request } from 'node:https';
import { classifyError, TransportFailure } from '../transport/failure.js';
import { serverNameFor } from '../transport/target.js';

export interface HttpsReply {
  readonly status: number;
  readonly body: string;
}

/**
 * A keep-alive HTTPS/1.1 client for the connector's enrollment port, which (like the guide's
 * connector) speaks HTTP/1.1 only. `maxSockets` bounds the TLS handshakes in flight.
 */
export class HttpsPoster {
  private readonly agent: Agent;

  constructor(
    private readonly base: { url: string; host: string; caPem: string },
    maxSockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, ca: base.caPem });
  }

  post(path: string, body: string, timeoutMs: number): Promise<HttpsReply> {
    return new Promise((resolve, reject) => {
      const servername = serverNameFor(this.base.host);
      const req = request(
        `${this.base.url}${path}`,
        {
          method: 'POST',
          agent: this.agent,
          ...(servername ? { servername } : {}),
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (error) => reject(classifyError(error)));
        },
      );
      req.on('timeout', () =>
        req.destroy(new TransportFailure('timeout', `no answer to ${path} within ${timeoutMs} ms`)),
      );
      req.on('error', (error) => reject(classifyError(error)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
