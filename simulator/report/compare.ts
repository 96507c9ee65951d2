import type { RunResult, ThresholdVerdict } from '../metrics/run-result.js';
import { checkProjection, type ProjectionCheck } from './projection-check.js';

/**
 * Before/after comparison of two runs (rollout rehearsal vs deployed system, or two builds).
 * A figure is "same" while it moves less than the tolerance; the verdict is worse if any key
 * figure got worse, better if at least one improved and none got worse, else same.
 */
export const DEFAULT_TOLERANCE = 0.05;

/** Below these absolute moves a figure counts as unchanged whatever the relative change. */
const NOISE_FLOOR = {
  latency: 1, // ms: jitter on loopback runs
  ratio: 0.001, // 0.1 percentage point
  rate: 0,
  count: 0,
} as const;

export type Judgement = 'better' | 'same' | 'worse';

export interface FigureDelta {
  readonly name: string;
  readonly label: string;
  readonly kind: ThresholdVerdict['kind'];
  readonly better: 'higher' | 'lower';
  readonly before: number | null;
  readonly after: number | null;
  /** after - before; null when either side was not measured. */
  readonly change: number | null;
  /** change / before; null when before is 0 or unmeasured. */
  readonly relativeChange: number | null;
  readonly judgement: Judgement | 'not comparable';
}

export interface RunSide {
  readonly mode: string;
  readonly target: string;
  readonly startedAt: string;
  readonly agents: number;
}

export interface Comparison {
  readonly tolerance: number;
  readonly verdict: Judgement;
  /** When `before` is a rehearsal's fleet run: does the deployment meet its projection? */
  readonly projection: ProjectionCheck | null;
  readonly figures: readonly FigureDelta[];
  readonly before: RunSide;
  readonly after: RunSide;
  /** Caveats worth a reader's attention (different modes, a saturated generator). */
  readonly notes: readonly string[];
}

interface FigureSpec {
  readonly name: string;
  readonly label: string;
  readonly kind: FigureDelta['kind'];
  readonly better: FigureDelta['better'];
  read(result: RunResult): number | null;
}

const FIGURES: readonly FigureSpec[] = [
  {
    name: 'replications_per_sec',
    label: 'replications/s (ok)',
    kind: 'rate',
    better: 'higher',
    read: (r) => r.derived.rates.achievedPerSec,
  },
  {
    name: 'p50',
    label: 'p50 from scheduled',
    kind: 'latency',
    better: 'lower',
    read: (r) => r.derived.latencyFromScheduled.p50Ms,
  },
  {
    name: 'p99',
    label: 'p99 from scheduled',
    kind: 'latency',
    better: 'lower',
    read: (r) => r.derived.latencyFromScheduled.p99Ms,
  },
  {
    name: 'p99_from_send',
    label: 'p99 from send',
    kind: 'latency',
    better: 'lower',
    read: (r) => r.derived.latencyFromSend.p99Ms,
  },
  {
    name: 'errors',
    label: 'error ratio',
    kind: 'ratio',
    better: 'lower',
    read: (r) => r.derived.errorRatio,
  },
  {
    name: 'late_ratio',
    label: 'late ratio',
    kind: 'ratio',
    better: 'lower',
    read: (r) => r.derived.lateRatio,
  },
  {
    name: 'lost_logs',
    label: 'lost logs',
    kind: 'count',
    better: 'lower',
    read: (r) => r.derived.logs.lost,
  },
];

export function compareRuns(
  before: RunResult,
  after: RunResult,
  tolerance: number = DEFAULT_TOLERANCE,
): Comparison {
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance >= 1) {
    throw new RangeError(
      `tolerance: must be a ratio from 0 to below 1, e.g. 0.05 (got ${tolerance})`,
    );
  }
  const figures = FIGURES.map((spec) => deltaOf(spec, before, after, tolerance));
  const judged = figures.map((f) => f.judgement);
  const verdict: Judgement = judged.includes('worse')
    ? 'worse'
    : judged.includes('better')
      ? 'better'
      : 'same';
  return {
    tolerance,
    verdict,
    projection: checkProjection(before, after, tolerance),
    figures,
    before: sideOf(before),
    after: sideOf(after),
    notes: notesOf(before, after),
  };
}

function deltaOf(
  spec: FigureSpec,
  before: RunResult,
  after: RunResult,
  tolerance: number,
): FigureDelta {
  const a = spec.read(before);
  const b = spec.read(after);
  const base = {
    name: spec.name,
    label: spec.label,
    kind: spec.kind,
    better: spec.better,
    before: a,
    after: b,
  };
  if (a === null || b === null) {
    return { ...base, change: null, relativeChange: null, judgement: 'not comparable' };
  }
  const change = b - a;
  const relativeChange = a !== 0 ? change / Math.abs(a) : null;
  const improved = spec.better === 'higher' ? change > 0 : change < 0;
  // Within tolerance (relative) or under the noise floor (absolute) is no change. Counts
  // (lost logs) have neither: one lost log is a regression.
  const withinTolerance =
    spec.kind !== 'count' &&
    ((relativeChange !== null && Math.abs(relativeChange) <= tolerance) ||
      Math.abs(change) <= NOISE_FLOOR[spec.kind]);
  const judgement: Judgement =
    change === 0 || withinTolerance ? 'same' : improved ? 'better' : 'worse';
  return { ...base, change, relativeChange, judgement };
}

function sideOf(result: RunResult): RunSide {
  const { meta } = result;
  return { mode: meta.mode, target: meta.target, startedAt: meta.startedAt, agents: meta.agents };
}

function notesOf(before: RunResult, after: RunResult): string[] {
  const notes: string[] = [];
  if (before.meta.mode !== after.meta.mode) {
    notes.push(
      `the runs used different modes (${before.meta.mode} vs ${after.meta.mode}): rates may not be comparable`,
    );
  }
  if (before.meta.agents !== after.meta.agents) {
    notes.push(
      `the runs had different fleets (${before.meta.agents} vs ${after.meta.agents} agents)`,
    );
  }
  for (const [side, result] of [
    ['before', before],
    ['after', after],
  ] as const) {
    if (result.generator.generatorBottleneck) {
      notes.push(`the ${side} run's generator was saturated: its figures understate the server`);
    }
  }
  return notes;
}
