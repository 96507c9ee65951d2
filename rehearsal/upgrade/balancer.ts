import https from 'node:https';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** One server node behind the balancer: where it listens, and whether its probe passed. */
interface Backend {
  port: number | null;
  healthy: boolean;
}

/**
 * A loopback TCP load balancer, as an HA pair has in front of it: each new connection goes to
 * the next node whose `GET /readyz` answered 200 at the last probe (every `probeMs`), so a
 * draining node (503, `draining`) gets no new connections while its open ones finish. TLS
 * passes through untouched: agents still authenticate to the servers themselves.
 */
export class LoopbackBalancer {
  private readonly server: Server;
  private readonly backends: Backend[];
  private readonly sockets = new Set<Socket>();
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Connections refused because no node was healthy (agents see a connect error and retry). */
  refusedConnections = 0;

  private constructor(
    nodes: number,
    private readonly caPem: string,
    private readonly probeMs: number,
  ) {
    this.backends = Array.from({ length: nodes }, () => ({ port: null, healthy: false }));
    this.server = createServer((client) => this.route(client));
  }

  static async start(options: {
    nodes: number;
    caPem: string;
    probeMs?: number;
  }): Promise<LoopbackBalancer> {
    const balancer = new LoopbackBalancer(options.nodes, options.caPem, options.probeMs ?? 250);
    await new Promise<void>((resolve, reject) => {
      balancer.server.once('error', reject);
      balancer.server.listen(0, '127.0.0.1', () => resolve());
    });
    const tick = () => {
      void balancer.probeAll().finally(() => {
        if (balancer.timer) balancer.timer = setTimeout(tick, balancer.probeMs);
      });
    };
    balancer.timer = setTimeout(tick, 0);
    return balancer;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** Points node `index` at a (new) port; unhealthy until its first probe passes. null: gone. */
  setBackend(index: number, port: number | null): void {
    const backend = this.backends[index] as Backend;
    backend.port = port;
    backend.healthy = false;
  }

  /** Resolves once node `index` passed a probe (a restarted node is back in rotation). */
  async healthy(index: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(this.backends[index] as Backend).healthy) {
      if (Date.now() > deadline) throw new Error(`node ${index + 1} did not pass its health probe`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(client: Socket): void {
    const candidates = this.backends.filter((b) => b.healthy && b.port !== null);
    if (candidates.length === 0) {
      this.refusedConnections++;
      client.destroy();
      return;
    }
    const backend = candidates[this.next++ % candidates.length] as Backend;
    const upstream = connect(backend.port as number, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.setNoDelay(true);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    // A node that went away cuts its agents' connections at once (as an L4 balancer's reset
    // does): a half-closed connection would leave their streams waiting for their timeout.
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }

  private async probeAll(): Promise<void> {
    await Promise.all(
      this.backends.map(async (backend) => {
        const port = backend.port;
        if (port === null) return;
        const ok = await this.probe(port);
        if (backend.port === port) backend.healthy = ok;
      }),
    );
  }

  private probe(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const request = https.get(
        { host: '127.0.0.1', port, path: '/readyz', ca: this.caPem, agent: false, timeout: 1_000 },
        (response) => {
          response.resume();
          resolve(response.statusCode === 200);
        },
      );
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve(false));
    });
  }
}
