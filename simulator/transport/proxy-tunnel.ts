import { request } from 'node:http';
import type { Socket } from 'node:net';
import { TransportFailure } from './failure.js';

/** An HTTP proxy that tunnels TLS with CONNECT (the guide's proxy mode; no proxy auth). */
export interface ProxyEndpoint {
  readonly host: string;
  readonly port: number;
}

/** Parses `http://host:port`; throws a RangeError naming `field` otherwise. */
export function parseProxyUrl(text: string, field: string): ProxyEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(
      `${field}: must be a URL such as http://proxy:3128 (got ${JSON.stringify(text)})`,
    );
  }
  if (url.protocol !== 'http:' || url.pathname !== '/' || url.username || url.password) {
    throw new RangeError(
      `${field}: must be http://host[:port] with no path or credentials (the protocol does not support proxy authentication; got ${JSON.stringify(text)})`,
    );
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 3128 };
}

/** Opens a CONNECT tunnel to host:port through the proxy and returns its raw socket. */
export function openTunnel(
  proxy: ProxyEndpoint,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<Socket> {
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    const req = request({
      host: proxy.host,
      port: proxy.port,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority },
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(
        new TransportFailure('timeout', `proxy CONNECT to ${authority} took over ${timeoutMs} ms`),
      );
    }, timeoutMs);
    req.once('connect', (res, socket, head) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(
          new TransportFailure(
            'connect_error',
            `proxy refused CONNECT ${authority}: HTTP ${res.statusCode}`,
          ),
        );
        return;
      }
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new TransportFailure(
          'connect_error',
          `proxy ${proxy.host}:${proxy.port}: ${error.message}`,
        ),
      );
    });
    req.end();
  });
}
