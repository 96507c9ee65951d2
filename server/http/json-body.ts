import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { findUnstorableJson, MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../../protocol/index.js';
import type { BodyTicket } from './body-budget.js';
import { ApiError } from './errors.js';
import { pointerAt, scanJson } from './json-scan.js';

/**
 * Reading and parsing a JSON request body with no trust in its headers, for any listener
 * (fastify's content-type parser calls it, and so can a core HTTP/2 stream handler):
 *
 * - bytes are counted as they arrive: past `maxBytes` the body is refused (413) and reading
 *   stops; every chunk is charged to the request's ticket of the listener's BodyBudget, and a
 *   full budget refuses the body (503 + Retry-After);
 * - the bytes must be UTF-8 (invalid sequences would become U+FFFD: stored is not sent);
 * - a byte scan bounds what parsing may build (MAX_JSON_VALUES values, MAX_JSON_DEPTH levels)
 *   before JSON.parse runs (json-scan.ts), and the ticket is resized to the parsed estimate;
 * - the parsed value must be storable in PostgreSQL as sent (protocol/storable-json.ts).
 *
 * Every refusal is an ApiError naming the field, so one bad body costs only its own request.
 */
export interface JsonBodyOptions {
  readonly maxBytes: number;
  /** The request's share of the listener's memory budget. */
  readonly ticket?: BodyTicket;
  /** A declared content-length, used only to refuse early (the real count still rules). */
  readonly declaredLength?: number;
  readonly maxDepth?: number;
  readonly maxValues?: number;
}

/** The body did not fit `maxBytes`: the caller answers 413 and stops the sender. */
export class BodyTooLargeError extends ApiError {
  constructor(maxBytes: number) {
    super('SMC_TOO_LARGE', `the body is over ${maxBytes} bytes`);
  }
}

/** The peer went away before its body arrived: nobody is left to answer. */
export class BodyAbortedError extends Error {
  readonly expected = true;
  constructor() {
    super('the client closed the request before its body arrived');
  }
}

/**
 * Estimated heap bytes of a parsed body: its text (two-byte strings at worst) plus a V8 object
 * or boxed number per value. Measured on the worst shapes we know (`[{},{},...]`, long arrays of
 * numbers, many short strings) in test/server/hostile/body-flood.test.ts. Ours.
 */
const PARSED_BYTES_PER_VALUE = 80;
const PARSED_BYTES_PER_TEXT_BYTE = 2;

export async function readJsonBody(stream: Readable, options: JsonBodyOptions): Promise<unknown> {
  const bytes = await readBytes(stream, options);
  return parseJsonBytes(bytes, options);
}

export function readBytes(stream: Readable, options: JsonBodyOptions): Promise<Buffer> {
  const { maxBytes, ticket } = options;
  if (options.declaredLength !== undefined && options.declaredLength > maxBytes) {
    dropTheRest(stream);
    return Promise.reject(new BodyTooLargeError(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: Error | null) => {
      if (done) return;
      done = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error) {
        // Refused: what else arrives is dropped as it comes until the answer has left and the
        // stream is reset (HTTP/2) or the connection closed (HTTP/1.1). Not paused: a paused
        // HTTP/2 stream keeps the connection's flow-control window, which would stall every
        // other stream of its session until the reset.
        chunks.length = 0;
        dropTheRest(stream);
        reject(error);
        return;
      }
      if (options.declaredLength !== undefined && options.declaredLength !== size) {
        reject(
          new ApiError(
            'SMC_BAD_BODY',
            `content-length says ${options.declaredLength} bytes, the body has ${size}`,
            '/',
          ),
        );
        return;
      }
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > maxBytes) return finish(new BodyTooLargeError(maxBytes));
      if (ticket && !ticket.charge(buffer.length)) return finish(overBudget());
      chunks.push(buffer);
    };
    const onEnd = () => finish(null);
    const onError = () => finish(new BodyAbortedError());
    const onClose = () => finish(new BodyAbortedError());
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    stream.resume();
  });
}

/** UTF-8 check, bounded parse, storability check; resizes the ticket to the parsed estimate. */
export function parseJsonBytes(
  bytes: Buffer,
  options: Pick<JsonBodyOptions, 'ticket' | 'maxDepth' | 'maxValues'> = {},
): unknown {
  if (bytes.length === 0) throw new ApiError('SMC_BAD_BODY', 'the body is empty', '/');
  if (!isUtf8(bytes)) throw new ApiError('SMC_BAD_BODY', 'the body is not valid UTF-8 text', '/');
  const maxValues = options.maxValues ?? MAX_JSON_VALUES;
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const { values, tooDeepAt } = scanJson(bytes, maxDepth);
  if (values > maxValues)
    throw new ApiError('SMC_BAD_BODY', `the body holds more than ${maxValues} JSON values`, '/');
  if (tooDeepAt >= 0) {
    // The message and field the storable check gives for the same body, without parsing it.
    const field = pointerAt(bytes, tooDeepAt) || '/';
    throw new ApiError('SMC_BAD_BODY', `${field} nests deeper than ${maxDepth} levels`, field);
  }
  const text = bytes.toString('utf8');
  const estimate = text.length * PARSED_BYTES_PER_TEXT_BYTE + values * PARSED_BYTES_PER_VALUE;
  if (options.ticket && !options.ticket.resize(estimate)) throw overBudget();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError('SMC_BAD_BODY', `the body is not JSON (${(error as Error).message})`, '/');
  }
  const fault = findUnstorableJson(value, maxDepth);
  if (fault) {
    const field = fault.field || '/';
    throw new ApiError('SMC_BAD_BODY', `${field} ${fault.reason}`, field);
  }
  return value;
}

/** An upper bound on the values JSON.parse would build from `bytes` (see json-scan.ts). */
export function countJsonValues(bytes: Uint8Array): number {
  return scanJson(bytes, Number.POSITIVE_INFINITY).values;
}

function dropTheRest(stream: Readable): void {
  stream.on('data', () => {});
  stream.resume();
}

function overBudget(): ApiError {
  return new ApiError(
    'SMC_OVERLOADED',
    'the server holds as many request bodies as its memory bound allows; retry after the given seconds',
    undefined,
    1 + Math.random() * 4,
  );
}
