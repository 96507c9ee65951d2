import { Compile } from 'typebox/compile';
import { RogueMachineList } from '../../protocol/index.js';
import { ConsoleApiError, type ConsoleEndpoint, consoleCall } from '../identity/console-client.js';
import type { JsonValue } from '../metrics/contract.js';
import type { SightingPlan } from './rogue-plan.js';

const checkList = Compile(RogueMachineList);
const PAGE_SIZE = 500;

export interface RogueJudgementOutcome {
  /** Machines this run's sensors reported, and how many of them were planted (no agent). */
  readonly reported: number;
  readonly planted: number;
  /** What the server judged this run's machines. */
  readonly judgedRogue: number;
  readonly judgedManaged: number;
  /** Planted machines judged rogue (should be all of them). */
  readonly plantedJudgedRogue: number;
  /** Fleet machines judged rogue: agents whose inventory had not reached the server. */
  readonly fleetJudgedRogue: number;
  /** Reported machines the console does not list (should be none). */
  readonly missing: number;
  readonly sensors: number;
  readonly reportSeconds: number;
}

/**
 * Asks the console how it judged what this run's sensors reported: every simulated sighting,
 * page by page, counted against this run's own sets (earlier runs' sightings stay until
 * `smc admin purge-simulated`, so the server's totals alone would not say what this run did).
 */
export async function readRogueJudgement(
  console: ConsoleEndpoint,
  plan: SightingPlan,
  report: { sensors: number; seconds: number },
): Promise<RogueJudgementOutcome> {
  const planted = new Set(plan.planted.map((s) => s.mac));
  const fleet = new Set(plan.fleet.map((s) => s.mac));
  let judgedRogue = 0;
  let judgedManaged = 0;
  let plantedJudgedRogue = 0;
  let fleetJudgedRogue = 0;
  let listed = 0;
  for (let page = 1; ; page++) {
    const body = await consoleCall(
      console,
      'GET',
      `/api/rogue-machines?simulated=only&judgement=all&disposition=all&pageSize=${PAGE_SIZE}&page=${page}`,
    );
    if (!checkList.Check(body))
      throw new ConsoleApiError('console: rogue machine list has the wrong shape');
    const list = body as RogueMachineList;
    for (const machine of list.items) {
      const ours = planted.has(machine.mac) || fleet.has(machine.mac);
      if (!ours) continue;
      listed++;
      if (machine.judgement === 'rogue') {
        judgedRogue++;
        if (planted.has(machine.mac)) plantedJudgedRogue++;
        else fleetJudgedRogue++;
      } else judgedManaged++;
    }
    if (page * PAGE_SIZE >= list.total) break;
  }
  return {
    reported: planted.size + fleet.size,
    planted: planted.size,
    judgedRogue,
    judgedManaged,
    plantedJudgedRogue,
    fleetJudgedRogue,
    missing: planted.size + fleet.size - listed,
    sensors: report.sensors,
    reportSeconds: report.seconds,
  };
}

/** The run summary's lines for `--rogues`. */
export function rogueOutcomeLines(r: RogueJudgementOutcome | { [key: string]: JsonValue }): string {
  const o = r as RogueJudgementOutcome;
  const n = (v: number) => v.toLocaleString('en-US');
  const lines = [
    `rogue detection: ${n(o.sensors)} sensor(s) reported ${n(o.reported)} machines (${n(o.planted)} unmanaged among ${n(o.reported - o.planted)} of the fleet) in ${o.reportSeconds.toFixed(1)} s`,
    `  server judged:  ${n(o.judgedRogue)} rogue, ${n(o.judgedManaged)} managed; planted found rogue ${n(o.plantedJudgedRogue)} of ${n(o.planted)}; fleet judged rogue ${n(o.fleetJudgedRogue)} (inventory not yet stored)${o.missing ? `; ${n(o.missing)} not listed` : ''}`,
  ];
  return lines.join('\n');
}
