import { UsageError } from './usage-error.js';

/** OpenSSL's words for "this certificate chain does not end at the CA you gave me". */
const NOT_SIGNED_BY_CA = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

function codeOf(error: unknown): string {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (typeof e.code === 'string') return e.code;
    e = e.cause as typeof e;
  }
  const text = error instanceof Error ? error.message : String(error);
  return /\b([A-Z][A-Z_]{8,})\b/.exec(text)?.[1] ?? '';
}

/**
 * Turns a TLS verification failure into what the user did wrong, naming the flag: "the
 * server's certificate is not signed by --ca FILE" rather than OpenSSL's
 * SELF_SIGNED_CERT_IN_CHAIN. Anything else comes back undefined (the caller rethrows it).
 */
export function tlsTrustError(
  error: unknown,
  flag: string,
  file: string,
  url: string,
): UsageError | undefined {
  const code = codeOf(error);
  if (NOT_SIGNED_BY_CA.has(code))
    return new UsageError(
      `${flag}: the server's certificate at ${url} is not signed by ${flag} ${file} (OpenSSL: ${code}); give the CA file of that server`,
    );
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new UsageError(
      `${flag}: the server's certificate at ${url} is signed by ${file} but does not name that host (add it with smc serve --hostname)`,
    );
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return new UsageError(`${flag}: the server's certificate at ${url} is not valid now (${code})`);
  return undefined;
}
