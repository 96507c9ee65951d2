import type { AutocannonPlan, AutocannonSummary } from './server-autocannon.js';
import type { StepPlan, StepResult } from './server-step.js';

/** What the benchmark's main process asks of the load process (over the fork IPC channel). */
export type ToLoad =
  | {
      readonly type: 'setup';
      readonly agentUrl: string;
      readonly caPem: string;
      readonly token: string;
      readonly agents: number;
      readonly enrollConcurrency: number;
      readonly newLogs: number;
      readonly timeoutMs: number;
    }
  | { readonly type: 'step'; readonly plan: StepPlan }
  | { readonly type: 'autocannon'; readonly plan: AutocannonPlan }
  | { readonly type: 'exit' };

export interface SetupTimings {
  readonly agents: number;
  readonly enrollSeconds: number;
  readonly connectSeconds: number;
  readonly primeSeconds: number;
  /** A replication body with no resends (the no-op gets the same shape and size). */
  readonly bodyBytes: number;
}

/** What the load process reports back. */
export type FromLoad =
  | { readonly type: 'ready'; readonly timings: SetupTimings }
  | { readonly type: 'window-start' }
  | { readonly type: 'window-end' }
  | { readonly type: 'step-result'; readonly result: StepResult }
  | { readonly type: 'autocannon-result'; readonly result: AutocannonSummary }
  | { readonly type: 'failed'; readonly message: string };
