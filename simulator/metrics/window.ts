import type { ReplicationSample } from './contract.js';
import { MetricsRegistry } from './registry.js';
import {
  figuresOfRegistry,
  histogramsOf,
  NAMES,
  type OutcomeCounts,
  outcomeCounts,
  type ReplicationFigures,
  type ReplicationHistograms,
  recordReplicationInto,
} from './replication-figures.js';

/** Figures of a closed window, with its histograms so any percentile can be asked of it. */
export interface WindowFigures extends ReplicationFigures {
  readonly label: string;
  readonly histograms: ReplicationHistograms;
  /** Completed replications by outcome (a storm's sheds apart from its other failures). */
  readonly outcomes: OutcomeCounts;
}

/** A slice of a run measured on its own, e.g. one capacity-search step. */
export interface MetricsWindow {
  readonly label: string;
  /** Stops measuring and returns the slice's figures. Later calls return the same figures. */
  close(): WindowFigures;
}

/** The run's side of a window: it feeds samples in while the window is open. */
export class OpenWindow implements MetricsWindow {
  readonly #registry = new MetricsRegistry();
  readonly #startMs: number;
  #closed: WindowFigures | undefined;

  constructor(
    readonly label: string,
    private readonly clock: () => number,
    private readonly lateThresholdMs: number,
    private readonly onClose: (window: OpenWindow) => void,
  ) {
    this.#startMs = clock();
  }

  record(sample: ReplicationSample): void {
    if (!this.#closed) recordReplicationInto(this.#registry, sample, this.lateThresholdMs);
  }

  countScheduled(by: number): void {
    if (!this.#closed) this.#registry.count(NAMES.scheduled, by);
  }

  close(): WindowFigures {
    if (!this.#closed) {
      const seconds = (this.clock() - this.#startMs) / 1_000;
      this.#closed = {
        ...figuresOfRegistry(this.#registry, seconds),
        label: this.label,
        histograms: histogramsOf(this.#registry),
        outcomes: outcomeCounts(this.#registry),
      };
      this.onClose(this);
    }
    return this.#closed;
  }
}
