import { isIP } from 'node:net';

/** Where the agent plane listens, and the CA that signed its certificate. */
export interface TargetEndpoint {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** PEM of the CA that verifies the server (the deployment's CA). */
  readonly caPem: string;
}

/** Parses `https://host:port`; throws a RangeError naming `field` otherwise. */
export function parseTargetUrl(
  text: string,
  field: string,
): { url: string; host: string; port: number } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(
      `${field}: must be a URL such as https://127.0.0.1:2222 (got ${JSON.stringify(text)})`,
    );
  }
  if (url.protocol !== 'https:' || url.pathname !== '/' || url.search || url.hash || url.username) {
    throw new RangeError(
      `${field}: must be https://host[:port] with no path (got ${JSON.stringify(text)})`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : 443;
  return { url: `https://${url.host}`, host, port };
}

/** SNI must be a name, never an address (RFC 6066). */
export function serverNameFor(host: string): string | undefined {
  return isIP(host) ? undefined : host;
}
