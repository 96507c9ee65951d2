import { constants as http2Constants, type ServerHttp2Stream } from 'node:http2';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findUnstorableJson } from '../../protocol/index.js';
import type { BodyBudget, BodyTicket } from './body-budget.js';
import { ApiError } from './errors.js';
import { readJsonBody } from './json-body.js';
import { drainRefusedBody } from './refused-body-drain.js';

/**
 * The fastify side of json-body.ts, on one listener: JSON is the only body it reads (anything
 * else is refused unread), each request gets a ticket of the listener's BodyBudget that is
 * released when its answer has left, query strings and path parameters are held to the same
 * storability rule as bodies, and a refused HTTP/2 body costs its stream, never its session.
 */
export interface JsonBodiesOptions {
  readonly budget: BodyBudget;
}

const tickets = new WeakMap<object, BodyTicket>();
/** Requests whose body we refused while it was still arriving (too large, over budget). */
const refusedMidBody = new WeakSet<object>();

/**
 * A body not read to its end (refused early): once our answer has left, HTTP/2
 * resets the stream, which tells the client to stop sending the rest (RFC 9113 8.1) and leaves
 * the session and its other streams alone. CANCEL rather than NO_ERROR: Node's own client
 * never closes a stream reset with NO_ERROR while it still has body to write (it hangs), and
 * it has the answer already either way. HTTP/1.1: see refused-body-drain.ts.
 */
function stopSenderAfterAnswer(request: FastifyRequest): void {
  const stream = (request.raw as unknown as { stream?: ServerHttp2Stream }).stream;
  if (!stream) return;
  stream.once('finish', () => {
    if (!stream.destroyed) stream.close(http2Constants.NGHTTP2_CANCEL);
  });
}

/** Bytes this request's body holds against the budget (real bytes, then the parsed estimate). */
export function bodyBytesOf(request: FastifyRequest): number {
  return tickets.get(request.raw)?.bytes ?? 0;
}

export function installJsonBodies(app: FastifyInstance, options: JsonBodiesOptions): void {
  app.addHook('onRequest', (request, reply, done) => {
    const ticket = options.budget.ticket();
    tickets.set(request.raw, ticket);
    reply.raw.once('close', () => ticket.release());
    done();
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', (request: FastifyRequest, payload, done) => {
    const declared = request.headers['content-length'];
    readJsonBody(payload, {
      maxBytes: request.routeOptions.bodyLimit ?? 1024 * 1024,
      ticket: tickets.get(request.raw),
      ...(declared !== undefined && /^\d+$/.test(declared)
        ? { declaredLength: Number(declared) }
        : {}),
    }).then(
      (body) => done(null, body),
      (error: Error) => {
        refusedMidBody.add(request.raw);
        done(error, undefined);
      },
    );
  });

  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['querystring', request.query],
      ['params', request.params],
    ] as const) {
      const fault = value ? findUnstorableJson(value) : null;
      if (fault)
        throw new ApiError(
          'SMC_BAD_BODY',
          `${part} ${fault.field || '/'} ${fault.reason}`,
          fault.field || '/',
        );
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.raw.httpVersionMajor === 2) {
      // fastify asks for `connection: close` after a body it could not parse; on HTTP/2 that
      // header is illegal (RFC 9113 8.2.2) and would fail the answer. The stream ends instead.
      reply.removeHeader('connection');
      // Answered before its body was read (refused: too large, over budget, unauthenticated,
      // past the agent's bound): stop the sender once the answer has left.
      if (!request.raw.complete) stopSenderAfterAnswer(request);
    } else if (!request.raw.complete) {
      // Answered before the body's end (refused: too large, over budget, unauthenticated,
      // past the agent's bound, draining): closing now would race the peer's writes and could
      // reset our answer away. fastify's `connection: close` after a refused body goes (the
      // connection can serve the next request); a drain's stays (that peer should move on).
      drainRefusedBody(request.raw, reply, { keepConnection: refusedMidBody.has(request.raw) });
    }
    return payload;
  });
}
