import type { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import type { ConnectionLimits } from '../../../server/http/connection-hygiene.js';
import { HTTP2_SETTINGS } from '../../../server/http/listener-guards.js';
import { TestAgent } from '../../support/agent-client.js';
import { enrollmentToken, testServer } from '../../support/server.js';

/**
 * Connection hygiene on every listener, with the timeouts shortened (the defaults are 10 s to
 * the first request, 120 s idle): peers that connect and say nothing are closed, caps hold per
 * address and per listener, and a refused HTTP/2 stream leaves its session usable.
 */
const LIMITS: ConnectionLimits = {
  handshakeTimeoutMs: 600,
  firstRequestTimeoutMs: 600,
  idleTimeoutMs: 1_200,
  requestTimeoutMs: 1_500,
  maxConnections: 12,
  maxConnectionsPerAddress: 6,
  uncappedAddress: () => false,
  sweepEveryMs: 100,
};

let server: RunningServer;
let agent: TestAgent;
let agentPort: number;
let consolePort: number;

beforeAll(async () => {
  server = await testServer({ connections: { agent: LIMITS, console: LIMITS } });
  agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, await enrollmentToken(server));
  agentPort = Number(new URL(server.agentUrl).port);
  consolePort = Number(new URL(server.consoleUrl).port);
});
afterAll(async () => {
  agent.close();
  await server.close();
});

/** Resolves with ms until the server closed the socket (or null if still open after `waitMs`). */
function closedWithin(socket: net.Socket, waitMs: number): Promise<number | null> {
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), waitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
    socket.on('error', () => {});
    socket.resume();
  });
}

/** True if `emitter` emits `event` within `ms`. */
function happensWithin(emitter: EventEmitter, event: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    emitter.once(event, () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function tlsConnect(port: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: server.caCertPem, ...options }, () =>
      resolve(socket),
    );
    socket.once('error', reject);
  });
}

function rawConnect(port: number, localAddress = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('timeouts', () => {
  it.each([
    ['agent', () => agentPort],
    ['console', () => consolePort],
  ])('closes a TLS connection to the %s port that never sends a request', async (_n, port) => {
    const socket = await tlsConnect(port());
    const closedAfter = await closedWithin(socket, 5_000);
    expect(closedAfter).not.toBeNull();
    expect(closedAfter).toBeLessThan(3_000);
  });

  it('closes a TCP connection that never starts TLS', async () => {
    const socket = await rawConnect(agentPort);
    expect(await closedWithin(socket, 5_000)).not.toBeNull();
  });

  it('closes an HTTP/2 session gone idle after its replications (GOAWAY), and the agent reconnects', async () => {
    const session = http2.connect(server.agentUrl, {
      ca: server.caCertPem,
      cert: agent.cert,
      key: agent.key,
    });
    session.on('error', () => {});
    const status = await new Promise<number>((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/v1/replicate',
        'content-type': 'application/json',
      });
      stream.on('response', (h) => resolve(Number(h[':status'])));
      stream.on('error', reject);
      stream.resume();
      stream.end(JSON.stringify(agent.body({ logs: 1 })));
    });
    expect(status).toBe(200);
    expect(await happensWithin(session, 'goaway', 6_000)).toBe(true);
    session.destroy();
    // The next replication opens a new session and is answered.
    const again = await agent.replicate(agent.body({ logs: 1 }));
    expect(again.status).toBe(200);
  });

  it('cuts a connection whose body trickles in past the request timeout', async () => {
    const session = http2.connect(server.agentUrl, {
      ca: server.caCertPem,
      cert: agent.cert,
      key: agent.key,
    });
    session.on('error', () => {});
    const stream = session.request({
      ':method': 'POST',
      ':path': '/v1/replicate',
      'content-type': 'application/json',
    });
    stream.on('error', () => {});
    stream.write('{"agent":');
    expect(await happensWithin(session, 'close', 6_000)).toBe(true);
  });
});

describe('caps', () => {
  it('refuses connections past the per-address cap and keeps the ones under it', async () => {
    const kept = await Promise.all(Array.from({ length: 6 }, () => rawConnect(consolePort)));
    const extra = await rawConnect(consolePort);
    const extraClosed = await closedWithin(extra, 2_000);
    expect(extraClosed).not.toBeNull();
    expect(extraClosed).toBeLessThan(400);
    // Another address is not affected by this one's cap.
    const other = await rawConnect(consolePort, '127.0.0.2');
    expect(await closedWithin(other, 200)).toBeNull();
    for (const socket of [...kept, other]) socket.destroy();
  });

  it('refuses connections past the listener cap, whatever the address', async () => {
    const a = await Promise.all(
      Array.from({ length: 6 }, () => rawConnect(consolePort, '127.0.0.3')),
    );
    const b = await Promise.all(
      Array.from({ length: 6 }, () => rawConnect(consolePort, '127.0.0.4')),
    );
    const thirteenth = await rawConnect(consolePort, '127.0.0.5');
    expect(await closedWithin(thirteenth, 2_000)).not.toBeNull();
    for (const socket of [...a, ...b]) socket.destroy();
  });
});

describe('HTTP/2 streams', () => {
  function openSession(): Promise<http2.ClientHttp2Session> {
    const session = http2.connect(server.agentUrl, {
      ca: server.caCertPem,
      cert: agent.cert,
      key: agent.key,
    });
    session.on('error', () => {});
    return new Promise((resolve) => session.once('remoteSettings', () => resolve(session)));
  }

  function post(
    session: http2.ClientHttp2Session,
    body: string | Buffer,
    headers: http2.OutgoingHttpHeaders = { 'content-type': 'application/json' },
  ): Promise<{ status: number; text: string; reset: number | null }> {
    return new Promise((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': '/v1/replicate', ...headers });
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[':status']);
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('close', () =>
        resolve({ status, text: Buffer.concat(chunks).toString(), reset: stream.rstCode ?? null }),
      );
      stream.on('error', (error) => (status ? undefined : reject(error)));
      stream.end(body);
    });
  }

  it('advertises a bound on concurrent streams', async () => {
    const session = await openSession();
    expect(session.remoteSettings.maxConcurrentStreams).toBe(HTTP2_SETTINGS.maxConcurrentStreams);
    session.close();
  });

  it('answers an oversized body 413 and the same session goes on replicating', async () => {
    const session = await openSession();
    const big = await post(session, Buffer.alloc(MAX_BODY_BYTES + 100_000, 0x20));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text).error.code).toBe('SMC_TOO_LARGE');
    for (let i = 0; i < 3; i++) {
      const next = await post(session, JSON.stringify(agent.body({ logs: 1 })));
      expect(next.status).toBe(200);
    }
    expect(session.closed || session.destroyed).toBe(false);
    session.close();
  });

  it('refuses a body that is not JSON unread, and the session goes on', async () => {
    const session = await openSession();
    const text = await post(session, Buffer.alloc(2_000_000, 0x41), {
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(400);
    const next = await post(session, JSON.stringify(agent.body({ logs: 1 })));
    expect(next.status).toBe(200);
    session.close();
  });

  it('tells an agent past its in-flight bound to come back (429 + Retry-After) before reading its body', async () => {
    const session = await openSession();
    // Four replications whose bodies have not finished arriving hold the agent's bound.
    const open = Array.from({ length: 4 }, () => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/v1/replicate',
        'content-type': 'application/json',
      });
      stream.on('error', () => {});
      stream.write('{"agent":');
      return stream;
    });
    await new Promise((r) => setTimeout(r, 200));
    const fifth = await new Promise<{ status: number; retryAfter: unknown }>((resolve) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/v1/replicate',
        'content-type': 'application/json',
      });
      stream.on('response', (h) =>
        resolve({ status: Number(h[':status']), retryAfter: h['retry-after'] }),
      );
      stream.on('error', () => {});
      stream.end(JSON.stringify(agent.body()));
    });
    expect(fifth.status).toBe(429);
    expect(Number(fifth.retryAfter)).toBeGreaterThanOrEqual(1);
    for (const stream of open) stream.close(http2.constants.NGHTTP2_CANCEL);
    await new Promise((r) => setTimeout(r, 200));
    const after = await post(session, JSON.stringify(agent.body({ logs: 1 })));
    expect(after.status).toBe(200);
    session.close();
  });
});
