import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { PROTOCOL_ERRORS, type ProtocolErrorCode } from '../../protocol/index.js';
import { isDatabaseUnavailable } from '../store/database-errors.js';

/** An error a route throws on purpose; the handler turns it into the catalogue's body. */
export class ApiError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    readonly field?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Where the handler reports faults (server/telemetry/error-log.ts, DatabaseHealth). */
export interface FaultSink {
  /** The database is away: a 503 was answered. */
  databaseUnavailable?(error: Error): void;
  /** A bug: a 500 was answered. */
  internal?(error: Error, where: { method: string; url: string }): void;
}

/** Seconds an agent waits after the database went away (ours: a restart takes a few). */
export function unavailableRetryAfterSeconds(): number {
  return 2 + Math.random() * 3;
}

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  const { status } = PROTOCOL_ERRORS[error.code];
  const retryAfter = retryAfterOf(error);
  if (retryAfter !== undefined) reply.header('retry-after', retryAfter);
  return reply.code(status).send({
    error: {
      code: error.code,
      message: error.message,
      ...(error.field ? { field: error.field } : {}),
    },
  });
}

/**
 * The catalogue body of an error, as text: what every transport sends (fastify's reply and the
 * core HTTP/2 stream handlers alike), so the two paths cannot drift apart.
 */
export function errorBodyText(error: ApiError): string {
  return JSON.stringify({
    error: {
      code: error.code,
      message: error.message,
      ...(error.field ? { field: error.field } : {}),
    },
  });
}

/** The Retry-After header value of an error, or undefined when it has none. */
export function retryAfterOf(error: ApiError): string | undefined {
  return error.retryAfterSeconds === undefined
    ? undefined
    : String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
}

/** A failed body schema check (ajv's first error) as the 400 that names the field. */
export function validationFailure(
  first:
    | { instancePath?: string; keyword?: string; params?: unknown; message?: string }
    | undefined,
): ApiError {
  const field = first
    ? `${first.instancePath || ''}${first.keyword === 'required' ? `/${(first.params as { missingProperty?: string }).missingProperty}` : ''}${first.keyword === 'additionalProperties' ? `/${(first.params as { additionalProperty?: string }).additionalProperty}` : ''}` ||
      '/'
    : '/';
  const what =
    first?.keyword === 'additionalProperties'
      ? 'is not a known field'
      : (first?.message ?? 'is invalid');
  return new ApiError('SMC_BAD_BODY', `${field} ${what}`, field);
}

/**
 * What any error leaves as, for a transport that is not fastify (the core HTTP/2 handlers):
 * the same mapping the fastify error handler applies to errors a handler throws.
 */
export function apiErrorOf(
  error: unknown,
  faults: FaultSink,
  where: { method: string; url: string },
): ApiError {
  if (error instanceof ApiError) return error;
  const failure = error instanceof Error ? error : new Error(String(error));
  if (isDatabaseUnavailable(failure)) {
    faults.databaseUnavailable?.(failure);
    return databaseUnavailable();
  }
  if ((failure as { expected?: boolean }).expected === true)
    return new ApiError('SMC_BAD_BODY', failure.message, '/');
  faults.internal?.(failure, where);
  return new ApiError('SMC_INTERNAL', 'internal error');
}

function databaseUnavailable(): ApiError {
  return new ApiError(
    'SMC_UNAVAILABLE',
    'the database is unavailable; retry after the given seconds',
    undefined,
    unavailableRetryAfterSeconds(),
  );
}

/**
 * Every error leaves as `{ error: { code, message, field? } }`: schema failures name the
 * field (JSON pointer), oversized bodies are 413, a database that is away is 503 +
 * Retry-After, anything unexpected is a 500 without internals.
 */
export function installErrorHandler(app: FastifyInstance, faults: FaultSink = {}): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return sendError(reply, error);
    if (error.validation) return sendError(reply, validationFailure(error.validation[0]));
    if (isDatabaseUnavailable(error)) {
      faults.databaseUnavailable?.(error);
      return sendError(reply, databaseUnavailable());
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, new ApiError('SMC_TOO_LARGE', error.message));
    }
    if (
      (error as { expected?: boolean }).expected === true ||
      error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ||
      error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500)
    ) {
      return sendError(reply, new ApiError('SMC_BAD_BODY', error.message, '/'));
    }
    faults.internal?.(error, { method: request.method, url: request.url.split('?')[0] ?? '' });
    return sendError(reply, new ApiError('SMC_INTERNAL', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new ApiError('SMC_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
