import {
  MAX_EXTRAPOLATION,
  PASS_HEADROOM,
  type RehearsalOutcome,
  taskDeliveryLine,
} from '../../rehearsal/index.js';
import type { SizingPlan } from '../../sizing/index.js';

const n = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 1 });
const whole = (value: number) => Math.round(value).toLocaleString('en-US');
const rate = (value: number) => `${n(value)}/s`;
const mib = (bytes: number) => `${whole(bytes / 2 ** 20)} MiB`;
const kib = (bytes: number) => `${whole(bytes / 1_024)} KiB`;
const seconds = (value: number) => `${whole(value)} s`;

/**
 * The verdict as a planner reads it: what was measured (capacity bracket, fleet run, storm,
 * sessions, database) apart from what is derived (headroom, intervals, clients carried,
 * projection), what limited the run, and every reason it is not a PASS.
 */
export function renderRehearsal(outcome: RehearsalOutcome, plan: SizingPlan): string {
  const { verdict: v, findings: f, machine, projection } = outcome;
  const r = plan.replication;
  const lines = [
    '',
    `Rehearsal verdict: ${v.verdict.toUpperCase()}`,
    `  clients             ${whole(v.clients)} (${plan.tier.label} tier, ${r.phase} phase, interval ${whole(r.intervalSeconds)} s)`,
    `  machine             ${machine.cores} cores (${machine.cpuModel}), ${n(machine.memoryBytes / 2 ** 30)} GiB; load ${machine.loadAverage.join(' ')} at the start`,
    `  required rate       ${rate(v.requiredRatePerSecond)} (reconnect-storm peak ${rate(v.peakRatePerSecond)})`,
    '  measured',
    `    capacity          ${capacityText(outcome)}`,
    `    fleet run         ${fleetText(outcome)}`,
    ...(f.fleet?.taskDelivery
      ? [`    tasks             ${taskDeliveryLine(f.fleet.taskDelivery)}`]
      : []),
    `    storm             ${stormText(outcome)}`,
    `    sessions          ${whole(f.sessions.heldAfterWarmUp)} held after the warm-up${f.sessions.heldAfterStorm !== null ? `, ${whole(f.sessions.heldAfterStorm)} after the storm` : ''}; server ${f.sessions.serverBytesPerSession !== null ? `${kib(f.sessions.serverBytesPerSession)} RSS per session (${mib(f.sessions.serverRssBeforeBytes)} -> ${mib(f.sessions.serverRssAfterBytes)})` : 'memory per session not measured'}`,
    `    database          ${f.database ? `${whole(f.database.logsSeeded)} logs of history (${f.database.logsPerClient} per client) + inventories: ${mib(f.database.bytes)}` : 'not filled'}`,
    `    logs              ${whole(f.logs.generated)} made, ${whole(f.logs.acknowledged)} acknowledged, ${whole(f.logs.pendingAfterDrain)} pending after the drain; ${f.logs.lost === null ? 'not checked' : `${whole(f.logs.lost)} lost`}`,
    `    generator         ${generatorText(outcome)}`,
    '  derived',
    `    headroom          ${v.headroom === null ? 'none' : `${n(v.headroom)}x`} (pass at ${PASS_HEADROOM}x or more)`,
    `    intervals         ${intervalText(outcome)}`,
    `    clients it carries ${carriedText(outcome)}`,
    `    projection        ${projection ? `${rate(projection.ratePerSecond)} on the plan's machines (${projection.limitedBy}-limited), ${carriedProjection(outcome)} at the plan's interval; model: ${projection.model}` : 'not made (no CPU per replication measured)'}`,
    ...(v.limitedBy.length > 0 ? [`  limited by          ${v.limitedBy.join(', ')}`] : []),
    ...v.reasons.map((reason) => `  ! ${reason}`),
  ];
  if (outcome.afterRollout) {
    lines.push(
      '  after rollout, the same scenario against the deployed server:',
      `    ${outcome.afterRollout.simulate}`,
      `    ${outcome.afterRollout.compare}`,
      `    ${outcome.afterRollout.purge}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function capacityText({ verdict: v, findings: f }: RehearsalOutcome): string {
  const { heldPerSecond: held, brokenPerSecond: broken } = v.capacity;
  if (held === null)
    return `no step held the SLOs${broken !== null ? ` (the first, ${rate(broken)}, broke)` : ''}`;
  const bracket =
    broken === null
      ? `held ${rate(held)}, nothing broke up to ${rate(f.capacity.maxRatePerSecond)}`
      : `held ${rate(held)}, broke at ${rate(broken)} (bracket ${n(((broken - held) / held) * 100)} %)`;
  const caveat = f.capacity.generatorLimitedBreak
    ? '; the generator was saturated at the break, so the server may hold more'
    : f.capacity.machineLimitedBreak
      ? '; at the break the server waited for a core (the machine ran out, not the server), so it may hold more'
      : '';
  const c = f.capacity.coresAtBreak;
  const busy =
    f.capacity.machineBusyAtBreak !== null
      ? `; at the break the machine was ${whole(f.capacity.machineBusyAtBreak * 100)} % busy${c ? ` (cores: server ${n(c.server)}, PostgreSQL ${n(c.database)}, generator ${n(c.generator)})` : ''}`
      : '';
  return `${bracket}, ${f.capacity.steps} steps with ${whole(f.capacity.agents)} agents${busy}${caveat}`;
}

function fleetText({ findings: f }: RehearsalOutcome): string {
  const fleet = f.fleet;
  if (!fleet) return 'not played';
  return `${whole(fleet.agents)} agents at ${n(fleet.timeScale)}x: ${rate(fleet.ratePerSecond)} (${whole(fleet.capacityShare * 100)} % of capacity) for ${seconds(fleet.windowSeconds)}; ${whole(fleet.completed - fleet.failed)} ok, ${whole(fleet.failed)} failed, p99 from schedule ${whole(fleet.p99Ms)} ms, ${fleet.minReplicationsPerAgent}-${n(fleet.meanReplicationsPerAgent)} replications per agent; CPU per replication: server ${fleet.serverCpuMsPerReplication?.toFixed(3) ?? '?'} ms, PostgreSQL ${fleet.databaseCpuMsPerReplication?.toFixed(3) ?? '?'} ms`;
}

function stormText({ findings: f }: RehearsalOutcome): string {
  const storm = f.storm;
  if (!storm) return 'not played';
  const pace =
    storm.windowSeconds < storm.planWindowSeconds
      ? `${n(storm.planWindowSeconds / storm.windowSeconds)}x the plan's peak`
      : "the plan's peak";
  return `${whole(storm.agents)} agents back within ${seconds(storm.windowSeconds)} (${pace}, ${rate(storm.agents / storm.windowSeconds)}): ${whole(storm.recovered)} recovered in ${seconds(storm.recoverySeconds)} (bound ${seconds(storm.boundSeconds)}); ${whole(storm.shed)} shed with 503, ${whole(storm.otherFailures)} other failures`;
}

function generatorText({ findings: f }: RehearsalOutcome): string {
  const id = f.identities;
  const enroll =
    id.enrollmentsPerSecond === null
      ? `${whole(id.reused)} identities reused`
      : `${whole(id.enrolled)} enrolled at ${whole(id.enrollmentsPerSecond)}/s${id.reused > 0 ? `, ${whole(id.reused)} reused` : ''}`;
  return `${enroll}; warm-up ${whole(f.warmUp.sessionsOpened)} sessions at ${whole(f.warmUp.handshakesPerSecond)} handshakes/s`;
}

function intervalText({ verdict: v }: RehearsalOutcome): string {
  const { sustainableSeconds, recommendedSeconds, atPlanMinimum } = v.intervals;
  if (sustainableSeconds === null || recommendedSeconds === null) return 'none sustainable';
  return atPlanMinimum
    ? `${seconds(recommendedSeconds)} (smc plan's minimum; the server keeps ${PASS_HEADROOM}x headroom even there)`
    : `shortest ${seconds(sustainableSeconds)} at 100 % load; ${seconds(recommendedSeconds)} keeps ${PASS_HEADROOM}x headroom`;
}

/** The fleet every extrapolation is measured against: the sessions held, when fewer than planned. */
function playedClients({ verdict: v, findings }: RehearsalOutcome): number {
  const held = findings.sessions.heldAfterWarmUp;
  return held > 0 ? Math.min(v.clients, held) : v.clients;
}

function carriedText(outcome: RehearsalOutcome): string {
  const c = outcome.verdict.clientsCarried;
  if (c.value === null)
    return c.byRate === null ? 'not measured (no capacity step held)' : 'not measured';
  const parts = [
    `rate ${c.byRate === null ? '-' : whole(c.byRate)}`,
    `sessions ${c.bySessions === null ? '-' : whole(c.bySessions)}`,
    `storm ${c.byStorm === null ? '-' : whole(c.byStorm)}`,
  ].join(', ');
  return c.beyondMeasured
    ? `more than ${whole(c.value)} (not measured past ${MAX_EXTRAPOLATION}x the ${whole(playedClients(outcome))} played; ${parts})`
    : `${whole(c.value)}, limited by ${c.limitedBy} (${parts})`;
}

function carriedProjection(outcome: RehearsalOutcome): string {
  const { projection } = outcome;
  if (!projection) return '';
  const ceiling = MAX_EXTRAPOLATION * playedClients(outcome);
  return projection.clientsAtPlanInterval > ceiling
    ? `more than ${whole(ceiling)} clients (not measured past ${MAX_EXTRAPOLATION}x)`
    : `${whole(projection.clientsAtPlanInterval)} clients`;
}
