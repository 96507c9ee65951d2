import type { IncomingMessage } from 'node:http';

/**
 * How long an HTTP/1.1 connection keeps reading a refused body after its answer has left.
 * Ours, after nginx's `lingering_time` (30 s) scaled to our bodies: the largest body we read
 * (4 MiB) takes ~3 s at 10 Mbit/s, a branch office's slowest link we plan for.
 */
export const REFUSED_BODY_DRAIN_MS = 10_000;

/**
 * HTTP/1.1 can only stop a sender mid-body by closing the connection, and closing while the
 * peer still writes makes the kernel answer its next bytes with a reset: a peer busy writing
 * then sees EPIPE or ECONNRESET before it has read our refusal (503 + Retry-After, 413, 429)
 * and learns nothing. So the rest of the body is read and dropped as it comes (the request
 * stream is already flowing, nothing is kept), and:
 *
 * - a keep-alive peer keeps its connection (with `keepConnection`, fastify's
 *   `connection: close` after a refused body is taken off; a drain's stays) and sends its next
 *   request once this body is out;
 * - a peer that asked for `connection: close` gets a lingering close: our side is shut after
 *   the answer (FIN), its remaining bytes are still read, and the socket goes when the peer
 *   ends its side. Node would destroy the socket right after the answer (its `destroySoon`):
 *   for this one socket and this one call, that becomes the half-close.
 *
 * Either way a peer still sending `limitMs` after the answer left loses the connection.
 */
export function drainRefusedBody(
  request: IncomingMessage,
  answer: {
    removeHeader(name: string): unknown;
    raw: { once(event: 'finish', f: () => void): unknown };
  },
  options: { readonly keepConnection: boolean; readonly limitMs?: number },
): void {
  const limitMs = options.limitMs ?? REFUSED_BODY_DRAIN_MS;
  if (options.keepConnection) answer.removeHeader('connection');
  const socket = request.socket;
  const destroySoon = socket.destroySoon;
  const restore = () => {
    socket.destroySoon = destroySoon;
  };
  socket.destroySoon = function lingeringClose(this: typeof socket) {
    restore();
    if (request.complete) return destroySoon.call(this);
    this.end();
    this.once('end', () => this.destroy());
  };
  request.once('end', restore);
  answer.raw.once('finish', () => {
    if (request.complete) return;
    const timer = setTimeout(() => socket.destroy(), limitMs);
    timer.unref();
    const stop = () => clearTimeout(timer);
    request.once('end', stop);
    socket.once('close', stop);
  });
}
