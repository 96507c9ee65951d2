import type pg from 'pg';
import type { Policy } from '../../protocol/index.js';

/** The current policy, in memory; reloaded when any server changes it (LISTEN/NOTIFY). */
export class PolicyCache {
  private current: Policy | null = null;
  /** The current policy as JSON text, made once per reload (answers embed it by template). */
  private currentText = 'null';

  constructor(private readonly pool: pg.Pool) {}

  async reload(): Promise<void> {
    const { rows } = await this.pool.query<{ version: number; settings: Record<string, unknown> }>(
      'SELECT version, settings FROM policy',
    );
    const row = rows[0];
    this.current = row ? { version: row.version, settings: row.settings } : null;
    this.currentText = JSON.stringify(this.current);
  }

  get policy(): Policy | null {
    return this.current;
  }

  /** The policy to send an agent that applies `version`, or null when it is up to date. */
  newerThan(version: number): Policy | null {
    return this.current && this.current.version > version ? this.current : null;
  }

  /** newerThan as JSON text (`null` when up to date), without serialising per answer. */
  newerThanText(version: number): string {
    return this.current && this.current.version > version ? this.currentText : 'null';
  }
}
