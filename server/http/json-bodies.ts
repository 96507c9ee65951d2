import { constants as http2Constants, type ServerHttp2Stream } from 'node:http2';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findUnstorableJson } from '../../protocol/index.js';
import type { BodyBudget, BodyTicket } from './body-budget.js';
import { ApiError } from './errors.js';
import { BodyTooLargeError, readJsonBody } from './json-body.js';

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
const refusedMidBody = new WeakSet<object>();

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
        if (error instanceof BodyTooLargeError || (error as ApiError).code === 'SMC_OVERLOADED')
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
    }
    return payload;
  });

  app.addHook('onResponse', async (request) => {
    if (!refusedMidBody.has(request.raw)) return;
    const stream = (request.raw as unknown as { stream?: ServerHttp2Stream }).stream;
    // The answer has left; RST_STREAM NO_ERROR tells the client to stop sending the rest
    // (RFC 9113 8.1), and the session goes on. HTTP/1.1 closes the connection instead.
    if (stream && !stream.destroyed) stream.close(http2Constants.NGHTTP2_NO_ERROR);
  });
}
