export * from './agent-plane.js';
export * from './common.js';
export * from './console-api.js';
export * from './errors.js';
export * from './limits.js';
export * from './mobile-plane.js';
