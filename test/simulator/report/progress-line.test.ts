import { describe, expect, it } from 'vitest';
import type { SecondSample } from '../../../simulator/metrics/contract.js';
import { createProgressLine, formatProgress } from '../../../simulator/report/progress-line.js';

const sample = (second: number): SecondSample => ({
  second,
  scheduled: 50,
  completed: 48,
  ok: 47,
  failed: 1,
  late: 0,
  p50Ms: 12.5,
  p99Ms: 84.25,
  inFlight: 3,
  eventLoopLagP99Ms: 1.5,
  cpuPercent: 41.6,
});

function captured(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (text: string) => chunks.push(text) } };
}

describe('progress line', () => {
  it('leads with the run so far (its own p99), then the last second, each figure named', () => {
    const text = formatProgress(sample(7), {
      elapsedSeconds: 7,
      completed: 3_000,
      failed: 2,
      late: 5,
      p50Ms: 20,
      p99Ms: 65.2,
      logsUnacknowledged: 3_484,
    });
    expect(text).toBe(
      '   7s | run: 3,000 done, 2 failed, 5 late, p50 20.0 ms, p99 65.2 ms | last 1s: 48.0/s done of 50.0/s due, p99 84.3 ms, 3 in flight | logs unacked 3,484 (kept, resent) | generator lag 1.50 ms cpu 42%',
    );
  });

  it('rewrites one line in place on a TTY and ends it when done', () => {
    const { chunks, stream } = captured(true);
    const line = createProgressLine(stream);
    line.update(sample(1), { elapsedSeconds: 1, completed: 48, failed: 1 });
    line.update(sample(2), { elapsedSeconds: 2, completed: 96, failed: 2 });
    line.done();
    expect(chunks).toHaveLength(3);
    expect(chunks[0]?.startsWith('\r   1s ')).toBe(true);
    expect(chunks[0]?.endsWith('\u001b[K')).toBe(true); // erase to the end of the line
    expect(chunks[1]).toMatch(/^\r {3}2s /);
    expect(chunks[2]).toBe('\n');
  });

  it('prints plain periodic lines without a TTY', () => {
    const { chunks, stream } = captured(false);
    const line = createProgressLine(stream, { plainEverySeconds: 5 });
    for (let s = 1; s <= 12; s++)
      line.update(sample(s), { elapsedSeconds: s, completed: s * 48, failed: s });
    line.done();
    expect(chunks).toHaveLength(2);
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).toBe(true);
    expect(chunks[0]).toMatch(/^ {3}5s /);
    expect(chunks[1]).toMatch(/^ {2}10s /);
  });
});
