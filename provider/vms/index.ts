export * from './hosts.js';
export * from './platform.js';
