import type {
  CounterName,
  GaugeName,
  ReplicationSample,
  RequestSample,
  RunRecorder,
} from '../metrics/contract.js';
import type { StepStats } from './step-stats.js';

/** Passes everything to the run's recorder and also feeds a step's own statistics. */
export function teeRecorder(run: RunRecorder, step: StepStats): RunRecorder {
  return {
    recordReplication(sample: ReplicationSample) {
      run.recordReplication(sample);
      step.add(sample);
    },
    recordRequest: (sample: RequestSample) => run.recordRequest(sample),
    count: (name: CounterName, by?: number) => run.count(name, by),
    setGauge: (name: GaugeName, value: number) => run.setGauge(name, value),
    mark: (label: string) => run.mark(label),
  };
}
