import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  type AgentTask,
  MAX_LOGS_PER_REPLICATION,
  MAX_TASK_RESULTS_PER_REPLICATION,
  MDM_CONNECTOR_AGENT_VERSION,
  type ReplicateRequest,
  type ReplicateResponse,
  type TaskResult,
} from '../../../protocol/index.js';
import type { ConnectorTelemetry } from '../telemetry/connector-telemetry.js';
import { Http2JsonChannel } from './https-json.js';
import type { RelayIdentity } from './relay-identity.js';
import { commandFromTask } from './server-task.js';

const CONNECTOR_AGENT_VERSION = MDM_CONNECTOR_AGENT_VERSION;

export interface ServerRelayOptions {
  readonly serverUrl: string;
  readonly identity: RelayIdentity;
  readonly hostname: string;
  /**
   * Longest pause between replications. Ours: 5 s. The connector is one agent standing for many
   * devices, and every command waits for its next replication, so it replicates far more often
   * than the server's `next.intervalSeconds` for single computers (which it still honours when
   * shorter); Retry-After always wins.
   */
  readonly intervalMs?: number;
  readonly telemetry: ConnectorTelemetry;
  readonly log: (line: string) => void;
}

/**
 * The connector as an agent of the management server: replicates its outbox (device summaries
 * and command results) with protocol v1, answers tasks with results, and turns `run-command`
 * tasks into device commands. Lossless the way agents are: outbox rows leave only up to
 * `ack.logsThrough`, task results are marked sent only after a 200 (a committed batch).
 */
export class ServerRelay {
  private readonly channel: Http2JsonChannel;
  private readonly intervalMs: number;
  private readonly startedAt = new Date();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: ServerRelayOptions,
  ) {
    const { identity } = options;
    this.channel = new Http2JsonChannel(options.serverUrl, {
      ca: identity.serverCaPem,
      cert: identity.certPem,
      key: identity.keyPem,
    });
    this.intervalMs = options.intervalMs ?? 5_000;
  }

  /** Binds the outbox numbering to this identity: a new identity starts again from seq 1. */
  async start(): Promise<void> {
    const agentId = this.options.identity.agentId;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ agent_id: string | null }>(
        'SELECT agent_id FROM mdm.relay_state FOR UPDATE',
      );
      if (rows[0]?.agent_id !== agentId) {
        await client.query(
          'UPDATE mdm.relay_state SET agent_id = $1, next_seq = 1, policy_version = 0',
          [agentId],
        );
        await client.query('UPDATE mdm.relay_outbox SET seq = NULL WHERE seq IS NOT NULL');
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
    this.schedule(0);
  }

  /** Lets the in-flight replication finish (its answer is stored), then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.channel.close();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().then((next) => {
        this.running = null;
        this.schedule(next);
      });
    }, delayMs);
  }

  /** One replication (and at once another while the outbox holds a full batch); returns the pause. */
  private async round(): Promise<number> {
    try {
      const outcome = await this.replicateOnce();
      if (!outcome.ok) {
        this.options.telemetry.relayed(false, outcome.error);
        this.options.log(`relay: ${outcome.error}`);
        return Math.max(1_000, outcome.retryAfterMs ?? this.intervalMs);
      }
      this.options.telemetry.relayed(true);
      return outcome.more ? 0 : Math.min(this.intervalMs, outcome.nextMs);
    } catch (error) {
      const message = (error as Error).message;
      this.options.telemetry.relayed(false, message);
      this.options.log(`relay: ${message}`);
      return this.intervalMs;
    }
  }

  async replicateOnce(): Promise<
    | { ok: true; more: boolean; nextMs: number }
    | { ok: false; error: string; retryAfterMs?: number }
  > {
    await this.numberOutbox();
    const [logs, results, state] = await Promise.all([
      this.pool.query<{ seq: number; time: Date; data: Record<string, unknown> }>(
        'SELECT seq, time, data FROM mdm.relay_outbox WHERE seq IS NOT NULL ORDER BY seq LIMIT $1',
        [MAX_LOGS_PER_REPLICATION],
      ),
      this.pendingTaskResults(),
      this.pool.query<{ policy_version: number }>('SELECT policy_version FROM mdm.relay_state'),
    ]);
    const body = this.requestBody(
      logs.rows.map((row) => ({
        seq: row.seq,
        type: 'event' as const,
        time: row.time.toISOString(),
        data: row.data,
      })),
      results,
      state.rows[0]?.policy_version ?? 0,
    );
    const answer = await this.channel.post<ReplicateResponse>('/v1/replicate', body);
    if (answer.status !== 200) {
      const message = (answer.body as { error?: { message?: string } } | null)?.error?.message;
      return {
        ok: false,
        error: `the server answered ${answer.status}${message ? `: ${message}` : ''}`,
        ...(answer.retryAfterSeconds !== null
          ? { retryAfterMs: answer.retryAfterSeconds * 1_000 }
          : {}),
      };
    }
    await this.storeAnswer(answer.body, results);
    return {
      ok: true,
      more:
        logs.rows.length === MAX_LOGS_PER_REPLICATION ||
        results.length === MAX_TASK_RESULTS_PER_REPLICATION ||
        answer.body.tasks.length > 0,
      nextMs: answer.body.next.intervalSeconds * 1_000,
    };
  }

  /**
   * Gives unnumbered outbox rows the next seqs. Only this loop numbers (the row lock on
   * relay_state keeps a second connector process on the same database in turn), so seqs
   * are dense: the server's ack never waits on a hole.
   */
  private async numberOutbox(): Promise<void> {
    await this.pool.query(
      `WITH s AS (SELECT next_seq FROM mdm.relay_state FOR UPDATE),
            pick AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM mdm.relay_outbox
                     WHERE seq IS NULL ORDER BY id LIMIT $1),
            numbered AS (UPDATE mdm.relay_outbox o SET seq = s.next_seq + pick.n FROM pick, s
                         WHERE o.id = pick.id RETURNING o.id)
       UPDATE mdm.relay_state SET next_seq = next_seq + (SELECT count(*) FROM numbered)`,
      [MAX_LOGS_PER_REPLICATION],
    );
  }

  private async pendingTaskResults(): Promise<TaskResult[]> {
    const { rows } = await this.pool.query<{
      task_id: string;
      state: 'done' | 'failed';
      at: Date;
      detail: string | null;
    }>(
      `(SELECT server_task_id AS task_id, state, finished_at AS at, detail FROM mdm.commands
        WHERE server_task_id IS NOT NULL AND state IN ('done', 'failed') AND NOT result_relayed
        ORDER BY finished_at LIMIT $1)
       UNION ALL
       (SELECT server_task_id, 'failed', rejected_at, detail FROM mdm.rejected_tasks
        WHERE NOT relayed ORDER BY rejected_at LIMIT $1)
       LIMIT $1`,
      [MAX_TASK_RESULTS_PER_REPLICATION],
    );
    return rows.map((row) => ({
      taskId: row.task_id,
      state: row.state,
      time: row.at.toISOString(),
      ...(row.detail ? { detail: row.detail.slice(0, 4_096) } : {}),
    }));
  }

  private requestBody(
    logs: ReplicateRequest['logs'],
    taskResults: TaskResult[],
    policyVersion: number,
  ): ReplicateRequest {
    const { identity, hostname } = this.options;
    return {
      agent: {
        id: identity.agentId,
        fingerprint: createHash('sha256').update(`${identity.agentId}/${hostname}`).digest('hex'),
        version: CONNECTOR_AGENT_VERSION,
        hostname,
        os: { family: 'linux', name: 'smc-kit Mobile Device Connector', version: '1' },
      },
      status: {
        protection: 'ok',
        modulesVersion: CONNECTOR_AGENT_VERSION,
        lastUpdate: this.startedAt.toISOString(),
        uptimeSeconds: Math.floor(process.uptime()),
      },
      logs,
      taskResults,
      policyVersion,
    };
  }

  /** One transaction: drop acknowledged logs, note sent results, queue the new commands. */
  private async storeAnswer(answer: ReplicateResponse, sent: TaskResult[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('DELETE FROM mdm.relay_outbox WHERE seq <= $1', [answer.ack.logsThrough]);
      if (answer.resync) await resyncOutbox(client, answer.ack.logsThrough, answer.resync.nextSeq);
      const sentIds = sent.map((r) => r.taskId);
      if (sentIds.length > 0) {
        await client.query(
          'UPDATE mdm.commands SET result_relayed = true WHERE server_task_id = ANY($1::uuid[])',
          [sentIds],
        );
        await client.query(
          'UPDATE mdm.rejected_tasks SET relayed = true WHERE server_task_id = ANY($1::uuid[])',
          [sentIds],
        );
      }
      if (answer.policy) {
        await client.query('UPDATE mdm.relay_state SET policy_version = $1', [
          answer.policy.version,
        ]);
      }
      for (const task of answer.tasks) await queueTask(client, task);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}

/**
 * The server holds some of our seqs with other content (this identity's numbering restarted:
 * a data folder restored from a backup, say): every log still in the outbox moves up to follow
 * the server's position, and numbering goes on from there. In two steps through negative
 * values, so no two rows ever share a seq on the way.
 */
async function resyncOutbox(client: pg.PoolClient, acked: number, nextSeq: number): Promise<void> {
  const shift = nextSeq - (acked + 1);
  if (shift <= 0) return;
  await client.query(
    'UPDATE mdm.relay_outbox SET seq = -(seq + $1) WHERE seq IS NOT NULL AND seq > $2',
    [shift, acked],
  );
  await client.query('UPDATE mdm.relay_outbox SET seq = -seq WHERE seq < 0');
  await client.query('UPDATE mdm.relay_state SET next_seq = next_seq + $1', [shift]);
}

/**
 * A task the server offers again (it had not heard the result) is not queued twice; if its
 * command already finished, the result is sent again.
 */
async function queueTask(client: pg.PoolClient, task: AgentTask): Promise<void> {
  const command = commandFromTask(task);
  if (typeof command !== 'string') {
    const inserted = await client.query(
      `INSERT INTO mdm.commands (id, device_id, type, params, server_task_id, requested_at)
       SELECT gen_random_uuid(), d.id, $2, $3, $4, $5 FROM mdm.devices d WHERE d.id = $1
       ON CONFLICT (server_task_id) DO UPDATE SET result_relayed = false
         WHERE mdm.commands.state IN ('done', 'failed')
       RETURNING id`,
      [command.deviceId, command.type, command.params, command.serverTaskId, command.requestedAt],
    );
    if (inserted.rowCount) return;
    const known = await client.query('SELECT 1 FROM mdm.commands WHERE server_task_id = $1', [
      task.id,
    ]);
    if (known.rowCount) return;
  }
  const reason =
    typeof command === 'string'
      ? command
      : `device ${command.deviceId} is not enrolled on this connector`;
  await client.query(
    `INSERT INTO mdm.rejected_tasks (server_task_id, detail) VALUES ($1, $2)
     ON CONFLICT (server_task_id) DO UPDATE SET relayed = false`,
    [task.id, reason],
  );
}
