import type pg from 'pg';
import client from 'prom-client';
import { type WakeupMessage, wakeupTopic } from '../../protocol/index.js';
import type { PushTarget } from './push-target.js';

/**
 * Turns "something waits for these agents" into wake-up calls on the push broker. It is fed
 * by the same NOTIFY channels as the caches (a task or a policy made on any server node), so
 * each node wakes the agents connected to its own broker. Loss tolerant by design: no broker,
 * a stopped one or a failed publish costs only the wake-up; the task waits in the database
 * and the agent picks it up at its interval.
 */
export class WakeupPublisher {
  private broker: PushTarget | null = null;
  private readonly published: client.Counter<'reason'>;
  private readonly failed: client.Counter;

  constructor(
    private readonly pool: pg.Pool,
    registry: client.Registry,
  ) {
    this.published = new client.Counter({
      name: 'smc_push_wakeups_total',
      help: 'Wake-up calls published to connected agents, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    this.failed = new client.Counter({
      name: 'smc_push_wakeup_failures_total',
      help: 'Wake-up calls that could not be published (broker down or failing)',
      registers: [registry],
    });
    const sessions = () => this.broker?.sessions ?? 0;
    new client.Gauge({
      name: 'smc_push_sessions',
      help: 'Agents holding a push session on this node',
      registers: [registry],
      collect() {
        this.set(sessions());
      },
    });
  }

  /** The broker to publish on (null: none running, wake-ups are skipped). */
  use(broker: PushTarget | null): void {
    this.broker = broker;
  }

  /** A task was created: wake its targets that are connected here. */
  async taskCreated(taskId: string): Promise<void> {
    const broker = this.live();
    if (!broker) return;
    const connected = broker.connectedAgents();
    if (connected?.length === 0) return;
    const { rows } = await this.pool.query<{ agent_id: string }>(
      `SELECT agent_id::text FROM task_targets
       WHERE task_id = $1 AND state = 'pending' AND ($2::uuid[] IS NULL OR agent_id = ANY($2::uuid[]))`,
      [taskId, connected],
    );
    await this.wake(
      broker,
      rows.map((r) => r.agent_id),
      'task',
    );
  }

  /** A new policy: every connected agent applies an older one. */
  async policyChanged(): Promise<void> {
    const broker = this.live();
    if (!broker) return;
    let agents = broker.connectedAgents();
    if (agents === null) {
      // A broker that does not say who is there: every agent that may replicate.
      const { rows } = await this.pool.query<{ agent_id: string }>(
        `SELECT e.agent_id::text FROM enrolled_agents e
         WHERE NOT EXISTS (SELECT 1 FROM revoked_agents r WHERE r.agent_id = e.agent_id)`,
      );
      agents = rows.map((r) => r.agent_id);
    }
    await this.wake(broker, agents, 'policy');
  }

  private live(): PushTarget | null {
    return this.broker?.running ? this.broker : null;
  }

  private async wake(
    broker: PushTarget,
    agentIds: readonly string[],
    reason: WakeupMessage['reason'],
  ): Promise<void> {
    const message: WakeupMessage = { reason, at: new Date().toISOString() };
    const payload = JSON.stringify(message);
    for (const agentId of agentIds) {
      try {
        await broker.publish(wakeupTopic(agentId), payload);
        this.published.inc({ reason });
      } catch {
        this.failed.inc();
      }
    }
  }
}
