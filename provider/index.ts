/**
 * What every platform shares (`smc-kit/provider`): the Platform interface the constructs
 * build on, the Terraform state backend, the props error. Platforms themselves are
 * `smc-kit/provider/azure` and `smc-kit/provider/vms`.
 */
export * from './platform.js';
export * from './props-error.js';
export * from './state-backend.js';
