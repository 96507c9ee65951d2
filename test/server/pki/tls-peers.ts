import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, type SecureVersion, type Server } from 'node:tls';

export interface ClientIdentity {
  readonly key: string;
  readonly cert: string;
}

/**
 * What a client saw: the text the server's connection handler wrote (empty when the server
 * dropped the connection before running it), and the client-side error if there was one.
 */
export interface TlsOutcome {
  readonly received: string;
  readonly error: string | null;
  readonly protocol: string | null;
}

/** Starts `server` on 127.0.0.1 on a free port and returns the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/**
 * Connects as a TLS client that trusts only `ca`, optionally presenting an identity, and reads
 * until the connection ends. With TLS 1.3 the client finishes its side of the handshake before
 * the server judges the client certificate, and node:tls drops a refused client without an
 * alert, so a refusal shows as an empty `received`, not always as an error.
 */
export function talkTls(options: {
  port: number;
  host: string;
  ca: string;
  identity?: ClientIdentity;
  maxVersion?: SecureVersion;
}): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    const socket = connect({
      host: options.host,
      port: options.port,
      ca: options.ca,
      ...(options.host === 'localhost' ? { servername: 'localhost' } : {}),
      ...(options.identity ?? {}),
      ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
    });
    let received = '';
    let error: string | null = null;
    let protocol: string | null = null;
    socket.on('secureConnect', () => {
      protocol = socket.getProtocol();
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', (failure: NodeJS.ErrnoException) => {
      error = `${failure.code ?? ''} ${failure.message}`.trim();
    });
    socket.on('close', () => resolve({ received, error, protocol }));
  });
}
