import type pg from 'pg';
import type { EnrollmentKind } from '../../protocol/index.js';

interface Waiting {
  readonly tokenHash: string;
  readonly agentId: string;
  resolve(kind: EnrollmentKind | null): void;
  reject(error: Error): void;
}

/** ours: a batch fills in a couple of milliseconds at 1,000 enrollments/s. */
const MAX_BATCH = 256;
const MAX_WAIT_MS = 2;

/**
 * Spends token uses for enrollments in batches: one transaction per batch instead of one
 * per agent, so a fleet enrolling at once costs PostgreSQL a commit every few milliseconds,
 * not one per agent (each commit is a WAL flush: ~0.5 ms of database CPU per enrollment,
 * measured, and the dominant cost once signing got cheap). Within a batch, a token grants at
 * most its uses left, in arrival order; a token's row is locked for the batch, so two
 * batches never spend the same use.
 */
export class EnrollmentBatcher {
  private queue: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing = false;

  constructor(private readonly pool: pg.Pool) {}

  /**
   * Resolves the token's kind when a use of it was spent and the agent recorded (with that
   * kind), else null.
   */
  spend(tokenHash: string, agentId: string): Promise<EnrollmentKind | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ tokenHash, agentId, resolve, reject });
      if (this.queue.length >= MAX_BATCH) this.flushSoon(0);
      else this.flushSoon(MAX_WAIT_MS);
    });
  }

  private flushSoon(delayMs: number): void {
    if (this.flushing) return;
    if (delayMs === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delayMs);
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.queue.splice(0, MAX_BATCH);
    try {
      const { rows } = await this.pool.query<{ agent_id: string; kind: EnrollmentKind }>(
        `WITH req AS (
           SELECT token_hash, agent_id,
                  row_number() OVER (PARTITION BY token_hash ORDER BY n) AS k
           FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS r(token_hash, agent_id, n)),
         tok AS (
           SELECT token_hash, uses_left, kind, simulation FROM enrollment_tokens
           WHERE token_hash IN (SELECT token_hash FROM req) AND expires_at > now()
           ORDER BY token_hash FOR UPDATE),
         granted AS (
           SELECT req.agent_id, req.token_hash, tok.kind, tok.simulation
           FROM req JOIN tok USING (token_hash) WHERE req.k <= tok.uses_left),
         spent AS (
           UPDATE enrollment_tokens t SET uses_left = t.uses_left - g.n
           FROM (SELECT token_hash, count(*)::int AS n FROM granted GROUP BY token_hash) g
           WHERE t.token_hash = g.token_hash)
         INSERT INTO enrolled_agents (agent_id, token_hash, kind, simulated)
         SELECT agent_id, token_hash, kind, simulation FROM granted RETURNING agent_id, kind`,
        [batch.map((w) => w.tokenHash), batch.map((w) => w.agentId)],
      );
      const granted = new Map(rows.map((r) => [r.agent_id, r.kind]));
      for (const waiting of batch) waiting.resolve(granted.get(waiting.agentId) ?? null);
    } catch (error) {
      for (const waiting of batch) waiting.reject(error as Error);
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) this.flushSoon(this.queue.length >= MAX_BATCH ? 0 : MAX_WAIT_MS);
    }
  }
}
