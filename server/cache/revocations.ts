import type pg from 'pg';

/**
 * Agents whose certificates were revoked (`smc admin revoke`), in memory on every server
 * node. A revocation is a row (the truth) and a NOTIFY on smc_revocations (the news): each
 * node adds the id the moment it hears it, reloads the whole set after its listener
 * reconnects (news sent meanwhile is lost) and every 30 s anyway, so a revoked agent is
 * refused on every node within a second or two, and at worst within the reload period.
 */
export class RevokedAgents {
  private readonly ids = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pool: pg.Pool) {}

  has(agentId: string): boolean {
    return this.ids.has(agentId);
  }

  get size(): number {
    return this.ids.size;
  }

  async reload(): Promise<void> {
    const { rows } = await this.pool.query<{ agent_id: string }>(
      'SELECT agent_id FROM revoked_agents',
    );
    this.ids.clear();
    for (const row of rows) this.ids.add(row.agent_id);
  }

  /** Heard on smc_revocations (payload: the agent id). */
  add(agentId: string): void {
    this.ids.add(agentId);
  }

  /** Reloads every `ms`; a failed reload keeps the last set and is told to `onError`. */
  startReloading(onError: (error: unknown) => void, ms = 30_000): void {
    this.timer = setInterval(() => void this.reload().catch(onError), ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
