import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { agentIdFromPeerCertificate } from '../pki/index.js';

// One TLS session carries many replications over HTTP/2: read its certificate once.
const bySocket = new WeakMap<TLSSocket, string | null>();

/** The agent id in the verified client certificate, or null (no certificate, or not ours). */
export function peerAgentId(request: FastifyRequest): string | null {
  const socket = socketOf(request);
  return socket ? agentIdOfSocket(socket) : null;
}

/** The subject OU of the verified client certificate, or null (none, or not verified). */
export function peerCertificateUnit(request: FastifyRequest): string | null {
  const socket = socketOf(request);
  if (!socket?.authorized) return null;
  const unit = socket.getPeerCertificate()?.subject?.OU;
  return typeof unit === 'string' ? unit : null;
}

function socketOf(request: FastifyRequest): TLSSocket | undefined {
  const raw = request.raw as unknown as {
    stream?: { session?: { socket?: TLSSocket } };
    socket?: TLSSocket;
  };
  return raw.stream?.session?.socket ?? raw.socket;
}

/** The same for a TLS socket (what a core HTTP/2 handler holds through its session). */
export function agentIdOfSocket(socket: TLSSocket): string | null {
  const cached = bySocket.get(socket);
  if (cached !== undefined) return cached;
  // `authorized` is true only when the chain verified against the agent CA.
  const id = socket.authorized ? agentIdFromPeerCertificate(socket.getPeerCertificate()) : null;
  bySocket.set(socket, id);
  return id;
}
