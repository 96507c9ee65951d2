/**
 * The load generator fleet: `smc simulate --shard i/N` on N machines (a Kubernetes Indexed Job or
 * Azure container instances). Its own front door (`smc-kit/load-generator`), apart from
 * `smc-kit/constructs`, so a deployment's synth does not load the Kubernetes provider.
 */
export * from './load-generator-fleet.js';
export * from './props.js';
