import { Type } from 'typebox';

/**
 * Every error the planes answer with, as a catalogue: stable code, HTTP status, and whether
 * a client should retry. Bodies are `{ error: { code, message, field? } }`.
 */
export const PROTOCOL_ERRORS = {
  SMC_BAD_BODY: { status: 400, retry: false },
  SMC_UNAUTHENTICATED: { status: 401, retry: false },
  SMC_FORBIDDEN: { status: 403, retry: false },
  SMC_NOT_FOUND: { status: 404, retry: false },
  SMC_CONFLICT: { status: 409, retry: false },
  SMC_TOO_LARGE: { status: 413, retry: false },
  SMC_TOKEN_INVALID: { status: 403, retry: false },
  SMC_RATE_LIMITED: { status: 429, retry: true },
  SMC_OVERLOADED: { status: 503, retry: true },
  /** The database is unreachable or not answering; like overload, come back after Retry-After. */
  SMC_UNAVAILABLE: { status: 503, retry: true },
  SMC_INTERNAL: { status: 500, retry: true },
} as const;

export type ProtocolErrorCode = keyof typeof PROTOCOL_ERRORS;

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    /** JSON pointer-ish path of the failing field for 400s, e.g. `/logs/3/seq`. */
    field: Type.Optional(Type.String()),
  }),
});

export interface ErrorBodyShape {
  error: { code: ProtocolErrorCode | string; message: string; field?: string };
}
