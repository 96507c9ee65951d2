import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../../protocol/index.js';
import type { RunningServer } from '../../../server/app.js';
import { REFUSED_BODY_DRAIN_MS } from '../../../server/http/refused-body-drain.js';
import { TestAgent } from '../../support/agent-client.js';
import { enrollmentToken, testServer } from '../../support/server.js';

/**
 * HTTP/1.1 has no way to stop a sender mid-body but closing the connection. A server that
 * closes while the peer still writes makes the kernel answer those bytes with a reset, and
 * the peer may see ECONNRESET/EPIPE before it has read the refusal. The refusal must arrive:
 * every one of these over-long chunked bodies gets its 413 (or 429), none a socket error.
 */
const LANES = 8;
const ROUNDS = 8;

let server: RunningServer;
let agent: TestAgent;

beforeAll(async () => {
  server = await testServer();
  agent = await TestAgent.enroll(server.agentUrl, server.caCertPem, await enrollmentToken(server));
});
afterAll(async () => {
  agent.close();
  await server.close();
});

/** A raw TLS connection speaking HTTP/1.1, as the agent. */
async function http1Socket(): Promise<tls.TLSSocket> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port: Number(new URL(server.agentUrl).port),
    ca: server.caCertPem,
    cert: agent.cert,
    key: agent.key,
    servername: 'localhost',
    ALPNProtocols: ['http/1.1'],
  });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('secureConnect', resolve));
  return socket;
}

/** A chunked POST of `bytes` bytes, all queued at once (as a hurried client does). */
function postChunked(bytes: number): Promise<string> {
  return new Promise((resolve) => {
    const req = https.request(`${server.agentUrl}/v1/replicate`, {
      method: 'POST',
      ca: server.caCertPem,
      cert: agent.cert,
      key: agent.key,
      agent: false,
      headers: { 'content-type': 'application/json' },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    chunk[0] = 0x5b; // '[' then spaces: valid JSON so far, never finished
    for (let written = 0; written < bytes; written += chunk.length) req.write(chunk);
    req.end();
  });
}

it('answers every refused HTTP/1.1 body before closing, never a reset in its place', async () => {
  const outcomes = new Map<string, number>();
  const lane = async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const outcome = await postChunked(2 * MAX_BODY_BYTES);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  // 429: past the agent's in-flight bound (8 lanes, bound 4), also an answer.
  const unanswered = [...outcomes.keys()].filter((o) => o !== '413' && o !== '429');
  expect({ unanswered, outcomes: Object.fromEntries(outcomes) }).toMatchObject({ unanswered: [] });
  expect(outcomes.get('413') ?? 0).toBeGreaterThan(0);
}, 120_000);

it('keeps the connection for the next request once the refused body has been sent', async () => {
  const socket = await http1Socket();
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  const answers = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if ((received.match(/HTTP\/1\.1 \d{3} /g) ?? []).length < n) return;
        socket.off('data', check);
        resolve();
      };
      socket.on('data', check);
      check();
    });
  const head = (length: number) =>
    `POST /v1/replicate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;
  const tooLarge = MAX_BODY_BYTES + 1;
  socket.write(head(tooLarge));
  socket.write(Buffer.alloc(tooLarge, 0x20));
  await answers(1);
  const ordinary = JSON.stringify(agent.body({ logs: 1 }));
  socket.write(head(Buffer.byteLength(ordinary)) + ordinary);
  await answers(2);
  socket.destroy();
  const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
  expect(statuses).toEqual(['413', '200']);
}, 30_000);

it('cuts a peer that goes on sending long after its refusal', async () => {
  const socket = await http1Socket();
  let answer = '';
  socket.on('data', (chunk) => (answer += chunk));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.write(
    'POST /v1/replicate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
  );
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const frame = (data: Buffer) =>
    Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
  for (let sent = 0; sent <= MAX_BODY_BYTES; sent += chunk.length) socket.write(frame(chunk));
  const startedAt = Date.now();
  const trickle = setInterval(() => socket.write(frame(Buffer.from('    '))), 100);
  const bound = REFUSED_BODY_DRAIN_MS + 10_000;
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, bound))]);
  clearInterval(trickle);
  const heldMs = Date.now() - startedAt;
  socket.destroy();
  expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  expect(heldMs).toBeLessThan(bound);
}, 60_000);
