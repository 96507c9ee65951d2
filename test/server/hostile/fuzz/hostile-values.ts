import fc from 'fast-check';
import { RawJson } from '../../../support/raw-json.js';

/**
 * What a hostile peer puts in a field: every text PostgreSQL or JSON cannot hold as sent,
 * numbers past every bound (written raw, as no JavaScript value prints them), calendar
 * nonsense, deep nesting, prototype keys, wrong types. Mixed with ordinary values, so a
 * mutated body is sometimes still valid.
 */
const nastyText = fc.constantFrom(
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00',
  '\udbff\udbff',
  '',
  '%00',
  '\u2028\u2029',
  '\ufeff',
  'x'.repeat(300),
  'é'.repeat(200),
  '😀'.repeat(70),
  '<script>alert(1)</script>',
  "'; DROP TABLE logs; --",
  '../../etc/passwd',
);

export const hostileText = fc.oneof(
  { weight: 3, arbitrary: nastyText },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
);

export const hostileNumber = fc.oneof(
  fc.constantFrom(
    new RawJson('1e309'),
    new RawJson('-1e309'),
    new RawJson('1e400'),
    new RawJson('9223372036854775807'),
    new RawJson('9223372036854775808'),
    new RawJson('9007199254740993'),
    new RawJson('12345678901234567891'),
    new RawJson('-0'),
    new RawJson('1E2'),
    new RawJson('0.0000001'),
    2 ** 31,
    2 ** 31 - 1,
    2 ** 53,
    -1,
    0,
    1.5,
    -(2 ** 63),
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const twoDigits = (min: number, max: number) =>
  fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));

export const hostileTime = fc.oneof(
  fc.constantFrom(
    '9999-12-31T23:59:60Z',
    '0000-01-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2100-02-29T12:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:00+02:00',
    '2026-01-01T00:00:00.1234567Z',
    '2026-01-01',
    'yesterday',
    '',
  ),
  // Any shape of digits: most are not dates.
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }).map((y) => String(y).padStart(4, '0')),
      twoDigits(0, 19),
      twoDigits(0, 39),
      twoDigits(0, 29),
      twoDigits(0, 69),
      twoDigits(0, 69),
    )
    .map(([y, mo, d, h, mi, s]) => `${y}-${mo}-${d}T${h}:${mi}:${s}Z`),
);

export const hostileObject = fc.oneof(
  fc.constantFrom(
    new RawJson(`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`),
    new RawJson(`${'['.repeat(100)}${']'.repeat(100)}`),
    new RawJson('{"__proto__":{"polluted":true}}'),
    new RawJson('{"constructor":{"prototype":{"x":1}}}'),
    new RawJson('{"a":1,"a":2}'),
    { 'k\u0000': 1 },
    { '\ud800': 'x' },
    { n: new RawJson('1e400') },
    { big: 'x'.repeat(17_000) },
    [],
    'not an object',
    null,
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Any value at all: what a peer sends where it should send something else. */
export const hostileAny = fc.oneof(
  hostileText,
  hostileNumber,
  hostileTime,
  hostileObject,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
);

/** How one field of a valid body is spoiled. */
export type Mutation =
  | { readonly kind: 'replace'; readonly pick: number; readonly value: unknown }
  | { readonly kind: 'delete'; readonly pick: number }
  | { readonly kind: 'extra'; readonly pick: number; readonly value: unknown };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      pick: fc.nat(),
      value: hostileAny,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('extra' as const),
      pick: fc.nat(),
      value: hostileAny,
    }),
  },
);

/** Every path to a field (objects' keys and arrays' items, not descending into `free` paths). */
export function fieldPaths(
  value: unknown,
  stopAt: (path: readonly string[]) => boolean = () => false,
): string[][] {
  const paths: string[][] = [];
  const walk = (node: unknown, path: string[]) => {
    if (path.length > 0) paths.push(path);
    if (stopAt(path) || node === null || typeof node !== 'object' || node instanceof RawJson)
      return;
    for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
  };
  walk(value, []);
  return paths;
}

/**
 * A copy of `body` with the mutations applied, each at one of its field paths (`stopAt` keeps
 * them out of free-form objects, which get hostile values as a whole). One copy for all of
 * them: hostile values are RawJson instances, which a second structuredClone would flatten.
 */
export function mutate<T>(
  body: T,
  mutations: readonly Mutation[],
  stopAt?: (path: readonly string[]) => boolean,
): unknown {
  const copy = structuredClone(body) as unknown;
  for (const m of mutations) {
    const paths = fieldPaths(copy, stopAt);
    if (paths.length === 0) continue;
    const path = paths[m.pick % paths.length] as string[];
    let parent = copy as Record<string, unknown>;
    for (const key of m.kind === 'extra' ? path : path.slice(0, -1)) {
      const next = parent[key];
      if (next === null || typeof next !== 'object' || next instanceof RawJson) {
        parent = null as unknown as Record<string, unknown>;
        break;
      }
      parent = next as Record<string, unknown>;
    }
    if (!parent) continue;
    const key = path[path.length - 1] as string;
    if (m.kind === 'replace') parent[key] = m.value;
    else if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (!Array.isArray(parent)) parent.extraField = m.value;
  }
  return copy;
}

/** Spoils the UTF-8 of a serialised body (a byte that starts no character). */
export function breakUtf8(text: string, at: number): Buffer {
  const bytes = Buffer.from(text);
  const i = 1 + (at % Math.max(1, bytes.length - 2));
  return Buffer.concat([bytes.subarray(0, i), Buffer.from([0xff, 0xfe]), bytes.subarray(i)]);
}
