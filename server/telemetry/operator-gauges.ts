import type pg from 'pg';
import client from 'prom-client';
import type { GroupCommitter } from '../ingest/group-commit.js';
import type { LoadGovernor } from '../ingest/load-governor.js';
import { IS_REAL } from '../simulation/simulated-agents.js';
import type { ServerTelemetry } from './server-telemetry.js';

export interface OperatorGaugeSources {
  readonly committer: GroupCommitter;
  readonly governor: LoadGovernor;
  readonly telemetry: ServerTelemetry;
  readonly pool: pg.Pool;
  /** Told when the scrape-time agent count could not be read (the gauge keeps its last value). */
  readonly onError?: (error: unknown) => void;
}

/**
 * The gauges an operator alerts on, read when /metrics is scraped (nothing counted twice):
 * how deep the group-commit queue is, how long the last batch took to commit, how far the
 * adaptive interval has stretched, and how many real agents replicated within one interval.
 * Shed answers are `smc_replications_total{outcome="shed"}` (queue full, 503) beside
 * `smc_bodies_refused_over_budget` (body budget, 503); open sessions `smc_connections_open`.
 */
export function registerOperatorGauges(
  registry: client.Registry,
  sources: OperatorGaugeSources,
): void {
  const { committer, governor, telemetry } = sources;
  const gauge = (name: string, help: string, read: () => number) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge(
    'smc_group_commit_queue_depth',
    'Replications waiting for a group commit (past its bound they are shed with 503)',
    () => committer.depth,
  );
  gauge(
    'smc_group_commit_last_batch_seconds',
    'Time the most recent group commit took (the histogram is smc_group_commit_seconds)',
    () => telemetry.lastBatchMs / 1_000,
  );
  gauge(
    'smc_adaptive_interval_seconds',
    'Replication interval agents are told now (the base interval times the stretch)',
    () => governor.intervalSeconds,
  );
  gauge(
    'smc_adaptive_interval_stretch',
    'How far the load governor stretched the interval (1 = not at all)',
    () => governor.stretch,
  );
  gauge(
    'smc_ingest_utilisation',
    'Share of the commit slots busy over the last samples (the governor stretches near 1)',
    () => governor.utilisation,
  );
  new client.Gauge({
    name: 'smc_agents_seen_within_interval',
    help: 'Real (not simulated) agents that replicated within 1.1 x the current interval',
    registers: [registry],
    async collect() {
      try {
        const { rows } = await sources.pool.query<{ seen: number }>(
          `SELECT count(*)::int AS seen FROM agent_state c
            WHERE c.last_seen > now() - make_interval(secs => $1) AND ${IS_REAL('c')}`,
          [Math.ceil(governor.intervalSeconds * 1.1)],
        );
        this.set(rows[0]?.seen ?? 0);
      } catch (error) {
        sources.onError?.(error);
      }
    },
  });
}
