import { Type } from 'typebox';
import { MAX_SHORT_TEXT } from './limits.js';
import { UTC_TIME_PATTERN } from './utc-time.js';

/** Lower-case UUID text (DESIGN: ids are UUIDs in lower case). */
export const Uuid = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'lower-case UUID',
});

/** Lower-case hex SHA-256 (fingerprints, inventory hashes). */
export const Sha256Hex = Type.String({
  pattern: '^[0-9a-f]{64}$',
  description: 'lower-case hex SHA-256',
});

/**
 * ISO 8601 in UTC with a Z, e.g. 2026-11-27T10:00:00.000Z; only dates that exist, no leap
 * second, at most microseconds (utc-time.ts: what PostgreSQL stores exactly).
 */
export const UtcTime = Type.String({
  pattern: UTC_TIME_PATTERN,
  maxLength: 32,
  description: 'ISO 8601 time in UTC (ends in Z), a calendar date from year 0001 to 9999',
});

export const ShortText = Type.String({ minLength: 1, maxLength: MAX_SHORT_TEXT });

/** A JSON object with no fixed shape (log data, task params, policy settings). */
export const FreeObject = Type.Object({}, { additionalProperties: true });
