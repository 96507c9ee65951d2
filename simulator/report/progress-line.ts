import type { SecondSample } from '../metrics/contract.js';
import type { RunTotals } from '../metrics/run-metrics.js';
import { formatCount, formatMs, formatPerSec } from './format.js';

/** Where progress goes: stderr usually, so stdout stays clean for --json. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressOptions {
  /** Without a TTY, print one plain line every this many samples (default 10). */
  readonly plainEverySeconds?: number;
  /** Overrides the stream's own isTTY (tests, --no-progress-tty). */
  readonly tty?: boolean;
}

export interface ProgressLine {
  /** Shows the latest second. Totals are the run so far. */
  update(sample: SecondSample, totals: ProgressTotals): void;
  /** Ends the line on a TTY so what follows starts on its own line. */
  done(): void;
}

export type ProgressTotals = RunTotals;

/**
 * One line of progress: the run so far first (what the summary will say: its p99 comes from
 * the run's histogram, not from the last second, which can be far lower), then the last
 * second, then the generator. Every counter says what it counts, so "unacked" beside PASS
 * reads as logs still to be resent, not as a loss.
 */
export function formatProgress(sample: SecondSample, totals: ProgressTotals): string {
  const run = [
    `${formatCount(totals.completed)} done`,
    `${formatCount(totals.failed)} failed`,
    ...(totals.late !== undefined ? [`${formatCount(totals.late)} late`] : []),
    ...(totals.p50Ms !== undefined ? [`p50 ${formatMs(totals.p50Ms)}`] : []),
    ...(totals.p99Ms !== undefined ? [`p99 ${formatMs(totals.p99Ms)}`] : []),
  ].join(', ');
  const parts = [
    `${String(Math.round(totals.elapsedSeconds)).padStart(4)}s`,
    `run: ${run}`,
    `last 1s: ${formatPerSec(sample.completed)} done of ${formatPerSec(sample.scheduled)} due, p99 ${formatMs(sample.p99Ms)}, ${sample.inFlight} in flight`,
    ...(totals.logsUnacknowledged !== undefined
      ? [`logs unacked ${formatCount(totals.logsUnacknowledged)} (kept, resent)`]
      : []),
    `generator lag ${formatMs(sample.eventLoopLagP99Ms)} cpu ${Math.round(sample.cpuPercent)}%`,
  ];
  return parts.join(' | ');
}

/**
 * A live line on a TTY (rewritten in place with \r and erase-to-end), plain periodic lines
 * otherwise (CI logs do not understand \r and would fill with one line per second).
 */
export function createProgressLine(
  stream: ProgressStream,
  options: ProgressOptions = {},
): ProgressLine {
  const tty = options.tty ?? stream.isTTY === true;
  const every = Math.max(1, Math.round(options.plainEverySeconds ?? 10));
  let updates = 0;
  let open = false;
  return {
    update(sample, totals) {
      updates++;
      const text = formatProgress(sample, totals);
      if (tty) {
        stream.write(`\r${text}\u001b[K`);
        open = true;
      } else if (updates % every === 0) {
        stream.write(`${text}\n`);
      }
    },
    done() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}
