import type { ThresholdVerdict } from '../metrics/run-result.js';

/**
 * k6's convention, the same numbers as bin/cli/exit-codes.ts (the simulator may not import
 * bin; test/simulator/thresholds.test.ts keeps the two equal).
 */
export const THRESHOLD_EXIT = { passed: 0, failed: 99 } as const;

/** 0 when every threshold passed (or there were none), 99 otherwise. */
export function exitCodeFor(verdicts: readonly ThresholdVerdict[]): 0 | 99 {
  return verdicts.every((v) => v.passed) ? THRESHOLD_EXIT.passed : THRESHOLD_EXIT.failed;
}
