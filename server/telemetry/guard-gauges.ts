import client from 'prom-client';
import type { GuardedListener } from '../http/listener-guards.js';
import type { DatabaseHealth } from '../store/database-health.js';

/**
 * Prometheus gauges for what protects a service: body bytes held against each listener's
 * budget, open and refused connections per listener, and whether the database answers. Read
 * when /metrics is scraped, so nothing is counted twice.
 */
export function registerGuardGauges(
  registry: client.Registry,
  prefix: string,
  listeners: readonly GuardedListener[],
  database: DatabaseHealth,
): void {
  new client.Gauge({
    name: `${prefix}_body_bytes_held`,
    help: 'Bytes of request bodies held (read and parsed) against the listener budget',
    labelNames: ['listener'] as const,
    registers: [registry],
    collect() {
      for (const l of listeners) this.set({ listener: l.name }, l.budget.inUse);
    },
  });
  new client.Gauge({
    name: `${prefix}_bodies_refused_over_budget`,
    help: 'Request bodies refused since start because the listener budget was full (503)',
    labelNames: ['listener'] as const,
    registers: [registry],
    collect() {
      for (const l of listeners) this.set({ listener: l.name }, l.budget.refused);
    },
  });
  new client.Gauge({
    name: `${prefix}_connections_open`,
    help: 'Connections open on the listener',
    labelNames: ['listener'] as const,
    registers: [registry],
    collect() {
      for (const l of listeners) this.set({ listener: l.name }, l.hygiene.stats().open);
    },
  });
  new client.Gauge({
    name: `${prefix}_connections_closed`,
    help: 'Connections refused or closed by the listener since start, by reason',
    labelNames: ['listener', 'reason'] as const,
    registers: [registry],
    collect() {
      for (const l of listeners) {
        const { open: _open, ...closed } = l.hygiene.stats();
        for (const [reason, count] of Object.entries(closed))
          this.set({ listener: l.name, reason }, count);
      }
    },
  });
  new client.Gauge({
    name: `${prefix}_database_available`,
    help: '1 while the database answers its probe, 0 while it is away',
    registers: [registry],
    collect() {
      this.set(database.available ? 1 : 0);
    },
  });
}
