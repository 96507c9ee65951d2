import { type ClientHttp2Session, connect as connectHttp2 } from 'node:http2';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { classifyError, TransportFailure } from './failure.js';
import { openTunnel, type ProxyEndpoint } from './proxy-tunnel.js';
import { serverNameFor, type TargetEndpoint } from './target.js';

export interface ClientIdentityPem {
  readonly keyPem: string;
  readonly certPem: string;
}

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
}

/**
 * Opens an HTTP/2 session over TLS, directly or through a CONNECT tunnel. The TLS socket is
 * made here (not by http2.connect) so the tunnel path and the direct path are one path, and
 * so ALPN can be checked: a server that does not offer h2 is a protocol error, not a hang.
 */
export async function openSession(request: SessionRequest): Promise<ClientHttp2Session> {
  const { target } = request;
  const deadline = Date.now() + request.timeoutMs;
  const tunnel = request.proxy
    ? await openTunnel(request.proxy, target.host, target.port, request.timeoutMs)
    : undefined;
  const tlsSocket = await new Promise<TLSSocket>((resolve, reject) => {
    const servername = serverNameFor(target.host);
    const socket = connectTls({
      ...(tunnel ? { socket: tunnel } : { host: target.host, port: target.port }),
      ...(servername ? { servername } : {}),
      ca: target.caPem,
      ...(request.identity ? { key: request.identity.keyPem, cert: request.identity.certPem } : {}),
      ...(request.resume ? { session: request.resume } : {}),
      ALPNProtocols: ['h2'],
      minVersion: 'TLSv1.2',
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
  const session = connectHttp2(target.url, { createConnection: () => tlsSocket });
  // Errors surface on the streams that fail; an unhandled session 'error' would crash.
  session.on('error', () => session.destroy());
  return session;
}
