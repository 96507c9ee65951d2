import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { agentIdFromPeerCertificate } from '../pki/index.js';

// One TLS session carries many replications over HTTP/2: read its certificate once.
const bySocket = new WeakMap<TLSSocket, string | null>();

/** The agent id in the verified client certificate, or null (no certificate, or not ours). */
export function peerAgentId(request: FastifyRequest): string | null {
  const raw = request.raw as unknown as {
    stream?: { session?: { socket?: TLSSocket } };
    socket?: TLSSocket;
  };
  const socket = raw.stream?.session?.socket ?? raw.socket;
  if (!socket) return null;
  const cached = bySocket.get(socket);
  if (cached !== undefined) return cached;
  // `authorized` is true only when the chain verified against the agent CA.
  const id = socket.authorized ? agentIdFromPeerCertificate(socket.getPeerCertificate()) : null;
  bySocket.set(socket, id);
  return id;
}
