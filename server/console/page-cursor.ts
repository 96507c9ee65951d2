import { ApiError } from '../http/errors.js';

/*
 * The opaque `after=` token of keyset paging: base64url of a small JSON object holding the
 * last row's sort key values. Opaque so clients pass it back unchanged and we may change what
 * it holds; decoded strictly, because it comes back from the client: a token that is not
 * base64url JSON, is too long, has an unknown or missing field, or a value of the wrong type
 * is a 400 naming the query field (never a SQL error or a silently restarted listing).
 */

/** Longer than any token we mint (a 253-character hostname plus a few ids), far below a URL limit. */
export const MAX_CURSOR_CHARS = 2_048;

/** One field's rule: returns the reason it is wrong, or null when it is fine. */
export type FieldRule = (value: unknown) => string | null;

export const isString =
  (maxLength: number): FieldRule =>
  (value) =>
    typeof value === 'string' && value.length <= maxLength
      ? null
      : `must be a string of at most ${maxLength} characters`;

export const isNullableString =
  (maxLength: number): FieldRule =>
  (value) =>
    value === null ? null : isString(maxLength)(value);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isUuid: FieldRule = (value) =>
  typeof value === 'string' && UUID.test(value) ? null : 'must be a lower-case UUID';

export const isOneOf =
  (choices: readonly string[]): FieldRule =>
  (value) =>
    typeof value === 'string' && choices.includes(value)
      ? null
      : `must be one of ${choices.join(', ')}`;

export function encodeCursor(values: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/**
 * Decodes `token` and checks it has exactly the fields of `rules`; any fault is an
 * SMC_BAD_BODY 400 on `field` (e.g. '/after') that says what is wrong.
 */
export function decodeCursor<T extends Record<string, unknown>>(
  token: string,
  rules: { readonly [K in keyof T]: FieldRule },
  field: string,
): T {
  const bad = (why: string) =>
    new ApiError(
      'SMC_BAD_BODY',
      `${field.slice(1)}: ${why}; pass back the "next" token unchanged`,
      field,
    );
  if (token.length > MAX_CURSOR_CHARS) throw bad(`longer than ${MAX_CURSOR_CHARS} characters`);
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw bad('not a base64url token');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad('not a cursor this server made (not JSON)');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw bad('not a cursor this server made (not an object)');
  const record = parsed as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (!Object.hasOwn(rules, key)) throw bad(`unknown field "${key}"`);
  for (const [key, rule] of Object.entries(rules) as [string, FieldRule][]) {
    if (!Object.hasOwn(record, key)) throw bad(`missing field "${key}"`);
    const why = rule(record[key]);
    if (why) throw bad(`field "${key}" ${why}`);
  }
  return record as T;
}
