import { type ClientHttp2Session, connect as connectHttp2 } from 'node:http2';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { classifyError, TransportFailure } from './failure.js';
import { sourceAddressFor } from './loopback-sources.js';
import { openTunnel, type ProxyEndpoint } from './proxy-tunnel.js';
import { serverNameFor, type TargetEndpoint } from './target.js';
import { type ClientIdentityPem, ClientTlsContexts } from './tls-contexts.js';

export type { ClientIdentityPem };

export interface SessionRequest {
  readonly target: TargetEndpoint;
  /** The agent's key and certificate (mutual TLS); none for enrollment. */
  readonly identity?: ClientIdentityPem;
  readonly proxy?: ProxyEndpoint;
  /** A TLS session to resume (per-replication connections). */
  readonly resume?: Buffer;
  /** Called with each TLS session ticket the server issues. */
  readonly onTicket?: (ticket: Buffer) => void;
  readonly timeoutMs: number;
  /** Contexts shared across this generator's connections; one of its own otherwise. */
  readonly contexts?: ClientTlsContexts;
}

/**
 * Opens an HTTP/2 session over TLS, directly or through a CONNECT tunnel. The TLS socket is
 * made here (not by http2.connect) so the tunnel path and the direct path are one path, and
 * so ALPN can be checked: a server that does not offer h2 is a protocol error, not a hang.
 */
export async function openSession(request: SessionRequest): Promise<ClientHttp2Session> {
  const contexts = request.contexts ?? new ClientTlsContexts(request.target.caPem);
  const deadline = Date.now() + request.timeoutMs;
  let tlsSocket = await connectTlsOnce(request, contexts, deadline, false);
  if (!tlsSocket) {
    // The server showed a certificate we have not verified yet: verify this one in full.
    tlsSocket = await connectTlsOnce(request, contexts, deadline, true);
    if (!tlsSocket)
      throw new TransportFailure('tls_error', `${request.target.url}: server certificate refused`);
  }
  const socket = tlsSocket;
  const session = connectHttp2(request.target.url, { createConnection: () => socket });
  // Errors surface on the streams that fail; an unhandled session 'error' would crash.
  session.on('error', () => session.destroy());
  return session;
}

/** Where a direct connection goes, and from which loopback address (loopback-sources.ts). */
function direct(target: TargetEndpoint): { host: string; port: number; localAddress?: string } {
  const localAddress = sourceAddressFor(target.host);
  return localAddress === undefined
    ? { host: target.host, port: target.port }
    : { host: target.host, port: target.port, localAddress };
}

/** One TLS connection; null when a pinned-only attempt met a certificate not pinned yet. */
async function connectTlsOnce(
  request: SessionRequest,
  contexts: ClientTlsContexts,
  deadline: number,
  verify: boolean,
): Promise<TLSSocket | null> {
  const { target } = request;
  const timeoutMs = Math.max(1, deadline - Date.now());
  const tunnel = request.proxy
    ? await openTunnel(request.proxy, target.host, target.port, timeoutMs)
    : undefined;
  const { pinned, ...tls } = contexts.optionsFor(request.identity, verify);
  return new Promise<TLSSocket | null>((resolve, reject) => {
    const servername = serverNameFor(target.host);
    const socket = connectTls({
      ...(tunnel ? { socket: tunnel } : direct(target)),
      ...(servername ? { servername } : {}),
      ...tls,
      ...(request.resume ? { session: request.resume } : {}),
      ALPNProtocols: ['h2'],
    });
    const timer = setTimeout(
      () => {
        socket.destroy();
        reject(
          new TransportFailure(
            'timeout',
            `TLS connect to ${target.url} took over ${request.timeoutMs} ms`,
          ),
        );
      },
      Math.max(1, deadline - Date.now()),
    );
    // Request and answer are small writes: do not let Nagle hold them for an ACK.
    socket.setNoDelay(true);
    if (request.onTicket) socket.on('session', request.onTicket);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      if (!contexts.accept(socket, pinned)) {
        socket.destroy();
        resolve(null);
        return;
      }
      if (socket.alpnProtocol !== 'h2') {
        socket.destroy();
        reject(
          new TransportFailure(
            'protocol_error',
            `${target.url} did not offer HTTP/2 (ALPN: ${socket.alpnProtocol || 'none'})`,
          ),
        );
        return;
      }
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(classifyError(error));
    });
  });
}
