import path from 'node:path';
import type { JsonValue, RunResult } from '../simulator/metrics/contract.js';
import { writeHtmlReport, writeRunJson } from '../simulator/report/result-file.js';
import {
  evaluateThresholds,
  parseThresholds,
  subjectOfResult,
  withThresholds,
} from '../simulator/thresholds.js';
import type { SizingPlan } from '../sizing/index.js';
import type { LogFindings } from './findings.js';
import { REHEARSAL_SLOS } from './findings.js';
import type { MachineRecord } from './machine.js';
import type { Projection } from './projection.js';
import type { RehearsalVerdict } from './verdict.js';

/** Writes a phase's merged result as <name>.json and <name>.html; returns the HTML's path. */
export async function writePhaseReport(
  dir: string,
  name: 'capacity' | 'fleet' | 'storm',
  result: RunResult,
): Promise<string[]> {
  const html = path.join(dir, `${name}.html`);
  await writeRunJson(path.join(dir, `${name}.json`), result);
  await writeHtmlReport(html, result);
  return [html];
}

/**
 * The fleet run's result with what the rehearsal knows on top: the logs check (so
 * lost_logs can be gated), its SLOs judged as thresholds, and the rehearsal's record
 * (capacity bracket, projection, machine) under meta.options.rehearsal, which
 * `smc report compare` reads to judge a deployed run against the projection.
 */
export function withRehearsalRecord(
  result: RunResult,
  record: {
    plan: SizingPlan;
    verdict: RehearsalVerdict;
    projection: Projection | null;
    machine: MachineRecord;
    drained: LogFindings;
  },
): RunResult {
  const { plan, verdict, projection, machine, drained } = record;
  const rehearsal = jsonSafe({
    verdict: verdict.verdict,
    clients: plan.input.clients,
    tier: plan.tier.label,
    intervalSeconds: plan.replication.intervalSeconds,
    requiredRatePerSecond: plan.replication.requiredRatePerSecond,
    capacity: verdict.capacity,
    projection,
    machine,
    slo: REHEARSAL_SLOS,
  });
  const verified: RunResult = {
    ...result,
    meta: {
      ...result.meta,
      options: { ...result.meta.options, rehearsal },
      ...(drained.lost !== null
        ? {
            verify: {
              logsAcknowledged: drained.acknowledged,
              lost: drained.lost,
              checkedAgents: plan.input.clients,
            },
          }
        : {}),
    },
    derived: {
      ...result.derived,
      logs: { ...result.derived.logs, lost: drained.lost },
    },
  };
  const gates = parseThresholds([
    `p99<${REHEARSAL_SLOS.p99Ms}ms`,
    `errors<${REHEARSAL_SLOS.errorRatio * 100}%`,
    'lost_logs==0',
  ]);
  return withThresholds(verified, evaluateThresholds(gates, subjectOfResult(verified)));
}

/** JSON has no undefined, NaN or Infinity: what the result file may hold. */
function jsonSafe(value: unknown): JsonValue {
  return JSON.parse(
    JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
  ) as JsonValue;
}
