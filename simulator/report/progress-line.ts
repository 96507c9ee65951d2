import type { SecondSample } from '../metrics/contract.js';
import { formatMs, formatPerSec } from './format.js';

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

export interface ProgressTotals {
  readonly elapsedSeconds: number;
  readonly completed: number;
  readonly failed: number;
}

/** One line of progress text for a second of the run. */
export function formatProgress(sample: SecondSample, totals: ProgressTotals): string {
  const parts = [
    `${String(Math.round(totals.elapsedSeconds)).padStart(4)}s`,
    `sched ${formatPerSec(sample.scheduled)}`,
    `done ${formatPerSec(sample.completed)}`,
    `ok ${sample.ok}`,
    `failed ${sample.failed}`,
    `late ${sample.late}`,
    `p50 ${formatMs(sample.p50Ms)}`,
    `p99 ${formatMs(sample.p99Ms)}`,
    `in-flight ${sample.inFlight}`,
    `total ${totals.completed} (${totals.failed} failed)`,
    `lag ${formatMs(sample.eventLoopLagP99Ms)}`,
    `cpu ${Math.round(sample.cpuPercent)}%`,
  ];
  return parts.join('  ');
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
