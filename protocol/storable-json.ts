import { MAX_JSON_DEPTH } from './limits.js';

/**
 * Whether a parsed JSON value can be stored in PostgreSQL exactly as sent. JSON itself allows
 * more than `text` and `jsonb` hold, and more than a JavaScript number keeps:
 *
 * - U+0000 (`\u0000`): PostgreSQL text cannot contain it (the batch holding it failed);
 * - lone surrogates (`\ud800` without its pair): not well-formed Unicode, refused by `jsonb`;
 * - numbers past a double (`1e400` parses to Infinity, which would be stored as null);
 * - magnitudes of 2^53 and more: every double there is an integer, and JSON.parse may already
 *   have rounded the one sent (12345678901234567891 arrives as ...7000), so what would be stored
 *   is not what was sent (I-JSON, RFC 7493 2.2: such numbers are not interoperable). Below
 *   that, fractions keep a double's precision;
 * - `__proto__` keys, and `constructor.prototype`: prototype pollution, refused like fastify's
 *   own JSON parser does;
 * - nesting past MAX_JSON_DEPTH levels.
 *
 * Keys are checked like values. The first fault is returned with its JSON pointer (`/logs/3/
 * data/name`), so the answer names the field; null means the value is storable.
 */
export interface JsonFault {
  /** JSON pointer of the offending value ('' is the whole body). */
  readonly field: string;
  readonly reason: string;
}

// A high surrogate without a low one after it, or a low one alone.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` cannot be stored as PostgreSQL text, or null. */
export function textFault(text: string): string | null {
  if (text.includes('\u0000')) return 'contains U+0000, which PostgreSQL text cannot hold';
  if (LONE_SURROGATE.test(text)) return 'contains a lone surrogate (not well-formed Unicode)';
  return null;
}

export function findUnstorableJson(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonFault | null {
  const fault = visit(value, 1, maxDepth);
  return fault ? { field: pointerOf(fault.path), reason: fault.reason } : null;
}

interface Found {
  /** Innermost key first (built while unwinding). */
  readonly path: string[];
  readonly reason: string;
}

function visit(value: unknown, depth: number, maxDepth: number): Found | null {
  switch (typeof value) {
    case 'string': {
      const reason = textFault(value);
      return reason ? { path: [], reason } : null;
    }
    case 'number':
      if (!Number.isFinite(value)) return { path: [], reason: 'is out of range for a number' };
      if (Number.isInteger(value) && !Number.isSafeInteger(value))
        return {
          path: [],
          reason:
            'is 2^53 or more in size, where a JSON number is not kept exactly (send it as a string)',
        };
      return null;
    case 'object': {
      if (value === null) return null;
      if (depth > maxDepth) return { path: [], reason: `nests deeper than ${maxDepth} levels` };
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const inner = visit(value[i], depth + 1, maxDepth);
          if (inner) {
            inner.path.push(String(i));
            return inner;
          }
        }
        return null;
      }
      for (const key of Object.keys(value)) {
        const keyReason =
          key === '__proto__'
            ? 'is not an allowed key'
            : key === 'constructor' && hasPrototypeKey((value as Record<string, unknown>)[key])
              ? 'is not an allowed key (constructor.prototype)'
              : textFault(key);
        if (keyReason) return { path: [key], reason: `(the key) ${keyReason}` };
        const inner = visit((value as Record<string, unknown>)[key], depth + 1, maxDepth);
        if (inner) {
          inner.path.push(key);
          return inner;
        }
      }
      return null;
    }
    default:
      return null;
  }
}

function hasPrototypeKey(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype');
}

/** RFC 6901: `~` is `~0`, `/` is `~1`. */
function pointerOf(reversed: readonly string[]): string {
  let pointer = '';
  for (let i = reversed.length - 1; i >= 0; i--)
    pointer += `/${(reversed[i] as string).replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return pointer;
}
