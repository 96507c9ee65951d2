import { createHistogram, type Histogram } from './histogram.js';

/** A plain snapshot of a registry: what goes into a RunResult. */
export interface RegistrySnapshot {
  readonly counters: Record<string, number>;
  /** Counters split by a label, e.g. failures by reason: `{ failed: { http_5xx: 3 } }`. */
  readonly labelled: Record<string, Record<string, number>>;
  readonly gauges: Record<string, number>;
}

/**
 * A small metrics registry: counters, labelled counters, gauges and histograms, all created
 * on first use by name, so a new figure is a new name rather than a new method.
 */
export class MetricsRegistry {
  readonly #counters = new Map<string, number>();
  readonly #labelled = new Map<string, Map<string, number>>();
  readonly #gauges = new Map<string, number>();
  readonly #histograms = new Map<string, Histogram>();

  count(name: string, by = 1): void {
    this.#counters.set(name, (this.#counters.get(name) ?? 0) + checkIncrement(name, by));
  }

  countLabelled(name: string, label: string, by = 1): void {
    let byLabel = this.#labelled.get(name);
    if (!byLabel) {
      byLabel = new Map();
      this.#labelled.set(name, byLabel);
    }
    byLabel.set(label, (byLabel.get(label) ?? 0) + checkIncrement(`${name}{${label}}`, by));
  }

  setGauge(name: string, value: number): void {
    if (!Number.isFinite(value)) {
      throw new RangeError(`gauge ${name}: must be a finite number (got ${value})`);
    }
    this.#gauges.set(name, value);
  }

  counter(name: string): number {
    return this.#counters.get(name) ?? 0;
  }

  labelledCounter(name: string, label: string): number {
    return this.#labelled.get(name)?.get(label) ?? 0;
  }

  gauge(name: string): number | undefined {
    return this.#gauges.get(name);
  }

  histogram(name: string): Histogram {
    let histogram = this.#histograms.get(name);
    if (!histogram) {
      histogram = createHistogram();
      this.#histograms.set(name, histogram);
    }
    return histogram;
  }

  snapshot(): RegistrySnapshot {
    return {
      counters: Object.fromEntries(this.#counters),
      labelled: Object.fromEntries(
        [...this.#labelled].map(([name, byLabel]) => [name, Object.fromEntries(byLabel)]),
      ),
      gauges: Object.fromEntries(this.#gauges),
    };
  }
}

function checkIncrement(name: string, by: number): number {
  if (!Number.isFinite(by) || by < 0) {
    throw new RangeError(`counter ${name}: increment must be a finite number >= 0 (got ${by})`);
  }
  return by;
}
