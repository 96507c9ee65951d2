import client from 'prom-client';

/**
 * Counters for /api/stats and Prometheus /metrics from one place. A 60-slot ring of
 * per-second counts gives "replications per second over the last minute" without a timer.
 */
export class ServerTelemetry {
  readonly registry = new client.Registry();
  readonly replications = new client.Counter({
    name: 'smc_replications_total',
    help: 'Replications answered, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly logsStored = new client.Counter({
    name: 'smc_logs_stored_total',
    help: 'Logs newly stored (resends not counted)',
    registers: [this.registry],
  });
  readonly enrollments = new client.Counter({
    name: 'smc_enrollments_total',
    help: 'Agents enrolled',
    registers: [this.registry],
  });
  readonly batchSize = new client.Histogram({
    name: 'smc_group_commit_batch_size',
    help: 'Replications per group commit',
    buckets: [1, 5, 20, 50, 100, 200, 400, 800],
    registers: [this.registry],
  });
  readonly batchSeconds = new client.Histogram({
    name: 'smc_group_commit_seconds',
    help: 'Time to commit one batch',
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly replicationSeconds = new client.Histogram({
    name: 'smc_replication_seconds',
    help: 'Time from request to answer for a stored replication',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly seqResyncs = new client.Counter({
    name: 'smc_seq_resyncs_total',
    help: 'Replications that sent a log under a seq stored with other content (told to resync)',
    registers: [this.registry],
  });
  readonly refusedItems = new client.Counter({
    name: 'smc_group_commit_refused_total',
    help: 'Replications the database refused on their own (their batch-mates were stored)',
    registers: [this.registry],
  });

  totals = { replications: 0, logsStored: 0, rejected: 0, shed: 0 };
  // One child per outcome, made once: a labelled inc() would hash its label object per request.
  private readonly outcomes = {
    ok: this.replications.labels('ok'),
    rejected: this.replications.labels('rejected'),
    shed: this.replications.labels('shed'),
  };
  private readonly ring = new Float64Array(60);
  private ringSecond = Math.floor(Date.now() / 1_000);
  lastBatchMs = 0;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'smc_' });
  }

  replicated(seconds: number): void {
    this.totals.replications += 1;
    this.outcomes.ok.inc();
    this.replicationSeconds.observe(seconds);
    this.advance();
    this.ring[this.ringSecond % 60] = (this.ring[this.ringSecond % 60] ?? 0) + 1;
  }

  refused(outcome: 'rejected' | 'shed'): void {
    this.totals[outcome] += 1;
    this.outcomes[outcome].inc();
  }

  flushed(size: number, ms: number, logsStored: number): void {
    this.totals.logsStored += logsStored;
    this.logsStored.inc(logsStored);
    this.batchSize.observe(size);
    this.batchSeconds.observe(ms / 1_000);
    this.lastBatchMs = ms;
  }

  /** Average over the last 60 whole seconds. */
  ratePerSecond(): number {
    this.advance();
    let sum = 0;
    for (let i = 1; i <= 60; i++) sum += this.ring[(this.ringSecond - i + 600) % 60] ?? 0;
    return sum / 60;
  }

  private advance(): void {
    const now = Math.floor(Date.now() / 1_000);
    for (let s = this.ringSecond + 1; s <= Math.min(now, this.ringSecond + 60); s++)
      this.ring[s % 60] = 0;
    this.ringSecond = Math.max(this.ringSecond, now);
  }
}
