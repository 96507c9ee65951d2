import {
  constants,
  createSecureServer,
  type Http2SecureServer,
  type ServerHttp2Stream,
} from 'node:http2';

/**
 * The cheapest server that still speaks protocol v1 correctly enough for a good agent:
 * mutual TLS, HTTP/2 (HTTP/1.1 allowed for autocannon), every replication acknowledged
 * through the highest seq it carried. Used to measure the generator's own ceiling.
 */
export interface NoopServer {
  readonly url: string;
  readonly port: number;
  readonly answered: () => number;
  close(): Promise<void>;
}

const NEXT = { intervalSeconds: 60, jitterSeconds: 0 };
const LAST_SEQ = /"seq":(\d+),"type":"[a-z]+","time":"[^"]*","data":\{[^{}]*\}\}\],"taskResults"/;

function answerFor(body: string): string {
  const match = LAST_SEQ.exec(body);
  return JSON.stringify({
    ack: { logsThrough: match ? Number(match[1]) : 0 },
    tasks: [],
    policy: null,
    next: NEXT,
  });
}

export async function startNoopServer(tls: {
  keyPem: string;
  certPem: string;
  caPem: string;
}): Promise<NoopServer> {
  let answered = 0;
  const server: Http2SecureServer = createSecureServer({
    key: tls.keyPem,
    cert: tls.certPem,
    ca: tls.caPem,
    requestCert: true,
    rejectUnauthorized: false,
    allowHTTP1: true,
    // autocannon and many agents: lift the default session cap.
    maxSessionMemory: 64,
  });
  server.on('stream', (stream: ServerHttp2Stream) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const text = answerFor(Buffer.concat(chunks).toString('utf8'));
      answered++;
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/json' });
      stream.end(text);
    });
    stream.on('error', () => {});
  });
  // HTTP/1.1 (autocannon): the compat request event.
  server.on('request', (req, res) => {
    if (req.httpVersion === '2.0') return;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answered++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answerFor(Buffer.concat(chunks).toString('utf8')));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    answered: () => answered,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
