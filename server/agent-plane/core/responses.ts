import { constants, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { PROTOCOL_ERRORS } from '../../../protocol/index.js';
import { type ApiError, errorBodyText, retryAfterOf } from '../../http/errors.js';

/** What fastify answers JSON with; kept so a client sees one server whatever the transport. */
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Sends a JSON answer on a core HTTP/2 stream and returns its status. A stream answered before
 * its body was read to the end (a refusal) is reset with CANCEL once the answer has left, as
 * fastify's path does (http/json-bodies.ts says why CANCEL); what still arrives is dropped.
 */
export function respondJson(
  stream: ServerHttp2Stream,
  status: number,
  text: string,
  retryAfter?: string,
): number {
  if (stream.destroyed || stream.closed || stream.headersSent) return status;
  const headers: OutgoingHttpHeaders = {
    ':status': status,
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(text),
  };
  if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
  stream.respond(headers);
  stream.end(text);
  if (!stream.readableEnded) {
    stream.resume();
    stream.once('finish', cancelAfterAnswer);
  }
  return status;
}

/** The error catalogue's body and status (with Retry-After when the error carries one). */
export function respondError(stream: ServerHttp2Stream, error: ApiError): number {
  return respondJson(
    stream,
    PROTOCOL_ERRORS[error.code].status,
    errorBodyText(error),
    retryAfterOf(error),
  );
}

function cancelAfterAnswer(this: ServerHttp2Stream): void {
  if (!this.destroyed) this.close(constants.NGHTTP2_CANCEL);
}
