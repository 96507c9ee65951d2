export * from './azure-sizes.js';
export * from './duration.js';
export * from './errors.js';
export * from './input.js';
export * from './limits.js';
export * from './plan.js';
export * from './plan-types.js';
export * from './tiers.js';
