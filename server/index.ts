/**
 * The server's front door: what the CLI and the benchmarks start, migrate, back up and
 * administer. Not a public export of the package: the server is run as `smc serve`, not
 * embedded. Importing this loads the whole server stack (fastify, pg, the MQTT broker), so
 * the CLI imports it only inside the actions of the commands that run the server.
 */
export * from './app.js';
export * from './backup/index.js';
export * from './cluster/agent-workers.js';
export * from './cluster/worker-env.js';
export * from './console/mobile-device-queries.js';
export * from './lifecycle/drain.js';
export * from './mdm/check-in-policy.js';
export * from './mdm/connector.js';
export * from './pki/index.js';
export * from './rd-sensor/provisioned-identity.js';
export * from './rd-sensor/sensor.js';
export * from './rd-sensor/sensor-state.js';
export * from './service-runtime.js';
export * from './simulation/seed.js';
export * from './store/citus-distribution.js';
export * from './store/embedded-postgres.js';
export * from './store/migrate.js';
export * from './store/migrations/index.js';
export * from './store/pool.js';
export * from './telemetry/log-levels.js';
