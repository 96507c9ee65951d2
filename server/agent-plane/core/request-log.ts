import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { FastifyBaseLogger } from 'fastify';

/**
 * fastify's per-request log lines (`incoming request`, `request completed`) for streams the
 * core path answers, in fastify's shape and through the agent listener's own logger, so an
 * operator's `--log-requests` reads the same whichever path answered. Off (null) by default:
 * then nothing is built per request.
 */
export class RequestLog {
  private next = 0;

  constructor(private readonly logger: FastifyBaseLogger) {}

  /** Logs the arrival; returns what `completed` needs. */
  incoming(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): LoggedRequest {
    const reqId = `core-${++this.next}`;
    const session = stream.session;
    this.logger.info(
      {
        reqId,
        req: {
          method: headers[':method'],
          url: headers[':path'],
          host: headers[':authority'],
          remoteAddress: session?.socket?.remoteAddress,
          remotePort: session?.socket?.remotePort,
        },
      },
      'incoming request',
    );
    return { reqId, started: performance.now() };
  }

  completed(request: LoggedRequest, statusCode: number): void {
    this.logger.info(
      {
        reqId: request.reqId,
        res: { statusCode },
        responseTime: performance.now() - request.started,
      },
      'request completed',
    );
  }
}

export interface LoggedRequest {
  readonly reqId: string;
  readonly started: number;
}
