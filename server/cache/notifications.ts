import pg from 'pg';

export type NotificationHandler = (payload: string) => void;

/**
 * One dedicated connection that LISTENs for the channels the caches need, so every server
 * process on a database hears what another one changed. Reconnects after a lost connection
 * and then calls `onReconnect`, because notifications sent meanwhile are gone: caches reload.
 */
export class NotificationListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private readonly handlers = new Map<string, NotificationHandler>();

  constructor(
    private readonly url: string,
    private readonly onReconnect: () => void,
  ) {}

  on(channel: string, handler: NotificationHandler): void {
    if (!/^[a-z_]+$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    this.handlers.set(channel, handler);
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) =>
      this.handlers.get(message.channel)?.(message.payload ?? ''),
    );
    client.on('error', () => this.reconnectSoon());
    client.on('end', () => this.reconnectSoon());
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
    this.client = client;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => {});
  }

  private reconnectSoon(): void {
    if (this.stopped || !this.client) return;
    this.client = null;
    setTimeout(() => {
      if (this.stopped) return;
      this.start()
        .then(this.onReconnect)
        .catch(() => {
          this.client = {} as pg.Client; // mark "was connected" so the retry loop continues
          this.reconnectSoon();
        });
    }, 1_000).unref();
  }
}

/** Sends a notification inside the caller's transaction (delivered on commit). */
export async function notify(
  db: pg.Pool | pg.PoolClient,
  channel: string,
  payload: string,
): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

export const CHANNELS = {
  tasks: 'smc_tasks',
  policy: 'smc_policy',
  revocations: 'smc_revocations',
} as const;
