/** pino's levels, plus `silent` for none at all (no imports: the CLI reads it at start-up). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
