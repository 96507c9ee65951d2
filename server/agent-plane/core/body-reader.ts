import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { MAX_BODY_BYTES } from '../../../protocol/index.js';
import type { BodyTicket } from '../../http/body-budget.js';
import { readJsonBody } from '../../http/json-body.js';

/**
 * The JSON body of a core stream, by the same reader fastify's content-type parser uses
 * (http/json-body.ts: real bytes counted against MAX_BODY_BYTES and the listener's budget,
 * UTF-8, bounded parse, storable values), so a body is refused alike on either path.
 */
export function readStreamJson(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  ticket: BodyTicket,
): Promise<unknown> {
  const declared = headers['content-length'];
  return readJsonBody(stream, {
    maxBytes: MAX_BODY_BYTES,
    ticket,
    ...(declared !== undefined ? { declaredLength: Number(declared) } : {}),
  });
}

const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);

/**
 * Whether a stream's headers are the plain shape the core path answers: a JSON body, no
 * `expect`, a content-length (if any) that is a positive number. Anything else goes to fastify,
 * whose answer for it (415, empty body, 100-continue) then stays exactly what it was.
 */
export function isPlainJsonPost(headers: IncomingHttpHeaders): boolean {
  const type = headers['content-type'];
  if (type === undefined || !JSON_TYPES.has(type.toLowerCase())) return false;
  if (headers.expect !== undefined) return false;
  const length = headers['content-length'];
  return length === undefined || /^[1-9][0-9]{0,15}$/.test(length);
}
