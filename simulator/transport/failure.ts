import type { ReplicationOutcome } from '../metrics/contract.js';

/** A replication that got no HTTP answer, with the reason in contract.ts's words. */
export class TransportFailure extends Error {
  override readonly name = 'TransportFailure';
  constructor(
    readonly outcome: Exclude<ReplicationOutcome, 'ok' | 'http_4xx' | 'http_5xx' | 'shed_503'>,
    message: string,
  ) {
    super(message);
  }
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_STREAM_ERROR',
]);

/** Sorts a low-level error into an outcome: TLS trouble, connection trouble, or other. */
export function classifyError(error: unknown): TransportFailure {
  if (error instanceof TransportFailure) return error;
  const err = error as NodeJS.ErrnoException & { library?: string; reason?: string };
  const code = err?.code ?? '';
  const message = err?.message ?? String(error);
  if (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO|HOSTNAME/.test(code) ||
    err?.library === 'SSL routines'
  ) {
    return new TransportFailure('tls_error', `${code || 'TLS'}: ${message}`);
  }
  if (CONNECT_CODES.has(code) || /socket hang up|ECONNRESET/.test(message)) {
    return new TransportFailure('connect_error', `${code || 'connect'}: ${message}`);
  }
  return new TransportFailure('connect_error', message);
}
