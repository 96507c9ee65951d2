export * from './platform.js';
export * from './props.js';
export * from './regions.js';
