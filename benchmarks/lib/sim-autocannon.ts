import { createRequire } from 'node:module';

/** The slice of autocannon's result this benchmark reads. */
export interface AutocannonRun {
  requests: { average: number };
  latency: { p99: number };
  errors: number;
  non2xx: number;
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonRun>;

// autocannon is CommonJS without types: load it through require with the shape above.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** autocannon over HTTP/1.1 + TLS with one client certificate, posting one fixed body. */
export function runAutocannonHttp1(options: {
  url: string;
  body: string;
  connections: number;
  seconds: number;
  keyPem?: string;
  certPem?: string;
}): Promise<AutocannonRun> {
  return autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: options.body,
    connections: options.connections,
    duration: options.seconds,
    tlsOptions:
      options.keyPem && options.certPem ? { key: options.keyPem, cert: options.certPem } : {},
  });
}
