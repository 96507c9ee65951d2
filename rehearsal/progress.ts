import type { SecondSample } from '../simulator/metrics/contract.js';

/** ours: a line every 10 s keeps a long phase visibly alive without flooding the log. */
const EVERY_SECONDS = 10;

/**
 * Progress of the phase in play, from the generators' merged seconds: a log line every 10 s
 * with what it has done so far, so a 50,000-agent warm-up or storm is never a silent minute.
 */
export class PhaseProgress {
  private phase = '';
  private seconds = 0;
  private completed = 0;
  private failed = 0;

  constructor(private readonly log: (line: string) => void) {}

  /** A new phase starts counting from zero. */
  begin(phase: string): void {
    this.phase = phase;
    this.seconds = 0;
    this.completed = 0;
    this.failed = 0;
  }

  add(sample: SecondSample): void {
    if (!this.phase) return;
    this.seconds++;
    this.completed += sample.completed;
    this.failed += sample.failed;
    if (this.seconds % EVERY_SECONDS !== 0) return;
    this.log(
      `  ${this.phase} ${this.seconds} s: ${this.completed.toLocaleString('en-US')} replications (${Math.round(sample.completed).toLocaleString('en-US')}/s now), ${this.failed.toLocaleString('en-US')} failed, p99 ${Math.round(sample.p99Ms)} ms`,
    );
  }
}
