import type pg from 'pg';

/**
 * The agents that may have a task waiting. Group commit only looks for tasks for these, so
 * the common replication (nothing to do) costs no task query. A hint may be stale in the
 * "too many" direction only: the claim in the batch transaction is the truth.
 */
export class TaskHints {
  readonly agents = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pool: pg.Pool) {}

  async reload(): Promise<void> {
    const { rows } = await this.pool.query<{ agent_id: string }>(
      "SELECT DISTINCT agent_id FROM task_targets WHERE state IN ('pending', 'delivered')",
    );
    const fresh = new Set(rows.map((r) => r.agent_id));
    for (const id of this.agents) if (!fresh.has(id)) this.agents.delete(id);
    for (const id of fresh) this.agents.add(id);
  }

  /** A task was created (here or on another server): hint its targets right away. */
  async addTask(taskId: string): Promise<void> {
    const { rows } = await this.pool.query<{ agent_id: string }>(
      'SELECT agent_id FROM task_targets WHERE task_id = $1',
      [taskId],
    );
    for (const r of rows) this.agents.add(r.agent_id);
  }

  /** Drops hints for agents whose tasks are all finished, every `ms`; failures go to `onError`. */
  startPruning(onError: (error: unknown) => void, ms = 30_000): void {
    this.timer = setInterval(() => void this.reload().catch(onError), ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
