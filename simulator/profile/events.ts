import type { LogType } from '../../protocol/index.js';
import { DRAW, hash32, unitDraw } from '../random.js';
import { withSeededFaker } from './faker-source.js';

/**
 * Plausible security events. Faker fills word pools once per run (seeded); each log then
 * picks from the pools with stateless draws on (seed, agent, seq), so a resent log is byte for
 * byte the log first sent, and no per-agent storage holds log bodies.
 */
export interface EventPools {
  readonly seed: number;
  readonly threats: readonly string[];
  readonly files: readonly string[];
  readonly processes: readonly string[];
  readonly users: readonly string[];
  readonly addresses: readonly string[];
  readonly rules: readonly string[];
}

/** How often each type occurs (ours: routine events dominate, detections are rare). */
export const TYPE_WEIGHTS: readonly (readonly [LogType, number])[] = [
  ['event', 0.35],
  ['firewall', 0.25],
  ['audit', 0.15],
  ['scan', 0.1],
  ['hips', 0.1],
  ['detection', 0.05],
];

const POOL_SIZE = 64;

export function buildEventPools(seed: number): EventPools {
  return withSeededFaker([seed, 0x5ec], (f) => {
    const many = (make: () => string) => Array.from({ length: POOL_SIZE }, make);
    return {
      seed,
      threats: many(
        () =>
          `${f.helpers.arrayElement(['Win32', 'MSIL', 'JS', 'OSX', 'Linux', 'PDF'])}/${f.helpers.arrayElement(['TrojanDownloader', 'Agent', 'Kryptik', 'CoinMiner', 'Phishing', 'Ransom'])}.${f.string.alpha({ length: 3, casing: 'upper' })} trojan`,
      ),
      files: many(() => `${f.system.directoryPath()}/${f.system.commonFileName()}`),
      processes: many(() => f.system.commonFileName('exe')),
      users: many(() => f.internet.username()),
      addresses: many(() => f.internet.ipv4()),
      rules: many(() => `${f.hacker.verb()} ${f.hacker.noun()}`),
    };
  });
}

export interface GeneratedLog {
  readonly seq: number;
  readonly type: LogType;
  readonly time: string;
  readonly data: Record<string, unknown>;
}

/** Log `seq` of agent `index`, stamped with the time it was gathered. */
export function generateLog(
  pools: EventPools,
  index: number,
  seq: number,
  gatheredAtEpochMs: number,
): GeneratedLog {
  const draw = (salt: number) => hash32(pools.seed, index, seq, DRAW.logContent, salt);
  const pick = <T>(pool: readonly T[], salt: number): T => pool[draw(salt) % pool.length] as T;
  const type = pickType(unitDraw(pools.seed, index, seq, DRAW.logContent));
  // Spread the logs of one batch over the second before the batch was gathered.
  const time = new Date(gatheredAtEpochMs - (draw(9) % 1_000)).toISOString();
  return { seq, type, time, data: dataFor(type, pools, pick) };
}

function pickType(draw: number): LogType {
  let total = 0;
  for (const [type, weight] of TYPE_WEIGHTS) {
    total += weight;
    if (draw < total) return type;
  }
  return 'event';
}

type Pick = <T>(pool: readonly T[], salt: number) => T;

const LEVELS = ['information', 'warning', 'error', 'critical'] as const;

function dataFor(type: LogType, pools: EventPools, pick: Pick): Record<string, unknown> {
  switch (type) {
    case 'detection':
      return {
        threat: pick(pools.threats, 0),
        object: 'file',
        path: pick(pools.files, 1),
        action: pick(['cleaned', 'quarantined', 'deleted', 'blocked'], 2),
        process: pick(pools.processes, 3),
        user: pick(pools.users, 4),
        severity: pick(['warning', 'critical'], 5),
      };
    case 'firewall':
      return {
        event: pick(['blocked incoming', 'blocked outgoing', 'allowed by rule'], 0),
        rule: pick(pools.rules, 1),
        sourceIp: pick(pools.addresses, 2),
        targetIp: pick(pools.addresses, 3),
        targetPort: pick([22, 53, 80, 135, 443, 445, 3389, 8080], 4),
        protocol: pick(['TCP', 'UDP'], 5),
        process: pick(pools.processes, 6),
      };
    case 'hips':
      return {
        rule: pick(pools.rules, 0),
        operation: pick(['write to file', 'modify registry', 'start application', 'inject'], 1),
        process: pick(pools.processes, 2),
        target: pick(pools.files, 3),
        action: pick(['blocked', 'allowed', 'asked'], 4),
      };
    case 'scan':
      return {
        scanType: pick(['on-demand', 'startup', 'scheduled', 'removable media'], 0),
        target: pick(pools.files, 1),
        scanned: 1_000 + (pick(NUMBERS, 2) as number) * 37,
        infected: pick([0, 0, 0, 0, 1], 3),
        result: pick(['completed', 'completed', 'stopped by user'], 4),
      };
    case 'audit':
      return {
        user: pick(pools.users, 0),
        action: pick(
          ['policy changed', 'login', 'logout', 'settings exported', 'module updated'],
          1,
        ),
        result: pick(['success', 'success', 'failure'], 2),
      };
    default:
      return {
        level: pick(LEVELS, 0),
        module: pick(['update', 'scanner', 'firewall', 'device control', 'agent'], 1),
        message: `${pick(pools.rules, 2)} (${pick(pools.processes, 3)})`,
      };
  }
}

const NUMBERS = Array.from({ length: 97 }, (_, i) => i);
