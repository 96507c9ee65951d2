import { afterEach, describe, expect, it, vi } from 'vitest';
import { findUnstorableJson, MAX_JSON_DEPTH } from '../../../protocol/index.js';
import { ApiError } from '../../../server/http/errors.js';
import { parseJsonBytes } from '../../../server/http/json-body.js';
import { pointerAt, scanJson } from '../../../server/http/json-scan.js';

/** The pre-parse scan: deep bodies refused before JSON.parse, with the storable check's field. */
describe('scanJson', () => {
  afterEach(() => vi.restoreAllMocks());

  it('finds the first container past the depth, skipping brackets inside strings', () => {
    expect(scanJson(Buffer.from('{"a":"[[[[[[","b":[1]}'), 2).tooDeepAt).toBe(-1);
    const text = '{"a":[[1]]}';
    expect(scanJson(Buffer.from(text), 2).tooDeepAt).toBe(text.indexOf('[[') + 1);
    expect(scanJson(Buffer.from('{"k\\"[":[]}'), 1).tooDeepAt).toBe(8);
  });

  it('names the same field as the storable check, keys with / ~ and escapes included', () => {
    const nest = (levels: number): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < levels; i++) value = i % 2 ? [0, value] : { 'k/~"\u00e9': value, z: 2 };
      return value;
    };
    const body = { logs: [{ seq: 1 }, { data: nest(MAX_JSON_DEPTH) }] };
    const bytes = Buffer.from(JSON.stringify(body));
    const scan = scanJson(bytes, MAX_JSON_DEPTH);
    expect(scan.tooDeepAt).toBeGreaterThan(0);
    const expected = findUnstorableJson(body);
    expect(expected?.reason).toMatch(/deeper than/);
    expect(pointerAt(bytes, scan.tooDeepAt)).toBe(expected?.field);
  });

  it('refuses a million levels without handing them to JSON.parse', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const bytes = Buffer.from(
      `{"logs":[{"data":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}]}`,
    );
    let refusal: unknown;
    try {
      parseJsonBytes(bytes);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ApiError);
    expect((refusal as ApiError).message).toMatch(/deeper than 64 levels/);
    expect((refusal as ApiError).field).toMatch(/^\/logs\/0\/data(\/0)+$/);
    expect(parse.mock.calls.some(([text]) => String(text).length > 1_000_000)).toBe(false);
  });

  it('still parses a body at exactly the depth allowed', () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(parseJsonBytes(Buffer.from(deep))).toBeInstanceOf(Array);
  });
});
