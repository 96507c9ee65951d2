import { describe, expect, it } from 'vitest';
import { formatSeconds, parseDurationMs, parseDurationSeconds } from '../../sizing/index.js';

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['45', 45_000],
    ['1.5s', 1_500],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDurationMs(text, '--x')).toBe(ms);
  });

  it.each(['', 'abc', '10 minutes', '5x', '-5s', 's', '1h 30m'])(
    'rejects %j naming the field',
    (text) => {
      expect(() => parseDurationMs(text, '--interval')).toThrow(/^--interval: /);
    },
  );

  it('insists on whole seconds where asked', () => {
    expect(parseDurationSeconds('2m', '--interval')).toBe(120);
    expect(() => parseDurationSeconds('1500ms', '--interval')).toThrow(/whole number of seconds/);
  });

  it('formats seconds back', () => {
    expect(formatSeconds(600)).toBe('10m');
    expect(formatSeconds(90)).toBe('1m30s');
    expect(formatSeconds(3_600)).toBe('1h');
    expect(formatSeconds(45)).toBe('45s');
  });
});
