import { describe, expect, it } from 'vitest';
import { ErrorLog } from '../../../server/telemetry/error-log.js';

describe('error log', () => {
  it('writes one JSON line per class per window, then the count; a stack only for the unexpected, once', () => {
    const lines: string[] = [];
    const log = new ErrorLog({
      write: (line) => lines.push(line),
      service: 'test',
      windowMs: 60_000,
    });
    for (let i = 0; i < 10_000; i++)
      log.expected('database-unavailable', new Error(`refused ${i}`));
    for (let i = 0; i < 10_000; i++)
      log.unexpected('internal', new TypeError('x is undefined'), { url: '/v1/replicate' });
    expect(lines).toHaveLength(2);
    log.flush();
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toHaveLength(4);
    expect(parsed[0]).toMatchObject({
      level: 'warn',
      service: 'test',
      class: 'database-unavailable',
      msg: 'database-unavailable: refused 0',
    });
    expect(parsed[0]).not.toHaveProperty('stack');
    expect(parsed[1]).toMatchObject({ level: 'error', class: 'internal', url: '/v1/replicate' });
    expect(String(parsed[1]?.stack)).toMatch(/TypeError: x is undefined/);
    expect(parsed.slice(2)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          class: 'database-unavailable',
          count: 9_999,
          last: 'refused 9999',
        }),
        expect.objectContaining({ class: 'internal', count: 9_999 }),
      ]),
    );
    expect(parsed.slice(2).some((l) => 'stack' in l)).toBe(false);
    // A new window logs the class again at once.
    log.expected('database-unavailable', new Error('again'));
    expect(lines).toHaveLength(5);
    log.close();
  });
});
