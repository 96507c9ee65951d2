/**
 * PostgreSQL settings for a tier (ours). The workload is write-heavy (replications commit
 * logs in groups), so WAL gets room and checkpoints are spread; memory follows the usual
 * rules of thumb: shared_buffers a quarter of the database's memory, effective_cache_size
 * three quarters, maintenance_work_mem a sixteenth (at most 2 GiB).
 */
export function selfHostedSettings(options: {
  /** Memory PostgreSQL may use: the whole host, or half of it when it shares the server's. */
  readonly memoryGiB: number;
  readonly servers: number;
}): Record<string, string> {
  const mb = options.memoryGiB * 1024;
  return {
    shared_buffers: `${Math.floor(mb / 4)}MB`,
    effective_cache_size: `${Math.floor((mb * 3) / 4)}MB`,
    maintenance_work_mem: `${Math.min(2048, Math.floor(mb / 16))}MB`,
    work_mem: '16MB',
    // Each server node keeps a pool; group commit needs few connections, admins need some.
    max_connections: String(50 + 50 * options.servers),
    wal_compression: 'on',
    max_wal_size: `${Math.max(2, Math.min(16, Math.floor(options.memoryGiB / 2)))}GB`,
    checkpoint_timeout: '15min',
    checkpoint_completion_target: '0.9',
    // Acknowledged means durable: the protocol's "lossless" promise depends on it.
    synchronous_commit: 'on',
    random_page_cost: '1.1',
    effective_io_concurrency: '200',
    log_checkpoints: 'on',
    log_connections: 'on',
    log_disconnections: 'on',
  };
}

/**
 * Server parameters set on a Flexible Server. Azure sizes memory settings per SKU; these add
 * what it does not: TLS required, TLS 1.2 minimum, connection logs and throttling, SSD costs.
 */
export function managedSettings(): Record<string, string> {
  return {
    require_secure_transport: 'on',
    ssl_min_protocol_version: 'TLSv1.2',
    log_checkpoints: 'on',
    log_connections: 'on',
    log_disconnections: 'on',
    'connection_throttle.enable': 'on',
    random_page_cost: '1.1',
    checkpoint_timeout: '900',
  };
}
