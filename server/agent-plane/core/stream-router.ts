import type { Http2SecureServer, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';

/** Answers one HTTP/2 stream on the core API (no compat request/response objects). */
export type StreamHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

/**
 * Puts a router in front of Node's HTTP/2 compat layer on a server fastify already owns.
 * `pick` sees each new stream's headers: a handler it returns answers the stream on the core
 * API; for null the stream goes on to the compat listener exactly as before, so fastify sees
 * it as if nothing were in between (enrollment, health, OpenAPI, 404s, HTTP/2 requests with
 * unusual headers). HTTP/1.1 never reaches 'stream' and stays fastify's.
 *
 * Why this and not fastify's `serverFactory`: the compat listener (which Node adds when fastify
 * subscribes to 'request') already knows CONNECT, `expect: 100-continue` and the rest of the
 * compat rules; forwarding to it keeps all of that and fastify's session timeout, hooks and
 * `return503OnClosing` untouched, and costs one header look-up per stream.
 */
export function routeStreams(
  server: Http2SecureServer,
  pick: (headers: IncomingHttpHeaders) => StreamHandler | null,
): void {
  const compat = server.listeners('stream') as ((...args: unknown[]) => void)[];
  if (compat.length === 0)
    throw new Error('routeStreams: the server has no compat stream listener (is fastify on it?)');
  for (const listener of compat) server.off('stream', listener);
  server.on(
    'stream',
    (
      stream: ServerHttp2Stream,
      headers: IncomingHttpHeaders,
      flags: number,
      rawHeaders: string[],
    ) => {
      const handler = pick(headers);
      if (handler !== null) {
        handler(stream, headers);
        return;
      }
      for (const listener of compat) listener.call(server, stream, headers, flags, rawHeaders);
    },
  );
}
