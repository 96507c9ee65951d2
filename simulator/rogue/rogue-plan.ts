import type { Sighting } from '../../protocol/index.js';
import { describeMachine } from '../profile/machine.js';
import type { OsMix } from '../profile/os-mix.js';
import { unitDraw } from '../random.js';

/**
 * What simulated Rogue Detection Sensors report (`smc simulate --rogues N`): every machine of
 * this shard's fleet, with the MAC and IP its inventory carries and its host name (so the
 * server's matching is tested on real rows), plus N machines no agent reports. The unmanaged
 * ones are drawn from (seed, index) like everything else, with locally administered MACs
 * (02:...: no registrant, as a randomising phone or a VM has), addresses in 100.64.0.0/10 and
 * host names of their own, and redrawn in the rare case one collides with a fleet machine.
 */
export interface SightingPlan {
  readonly fleet: readonly Sighting[];
  readonly planted: readonly Sighting[];
}

const ROGUE_STREAM = 91;

export function planSightings(options: {
  /** The seed the agents' inventories are drawn with (their `hardware`). */
  readonly hardwareSeed: number;
  /** The seed of their host names (identities enrolled under another seed keep theirs). */
  readonly machineSeed: number;
  readonly osMix: OsMix;
  readonly firstAgent: number;
  readonly agents: number;
  readonly firstRogue: number;
  readonly rogues: number;
  readonly seenAt: string;
}): SightingPlan {
  const fleet: Sighting[] = [];
  const macs = new Set<string>();
  const ips = new Set<string>();
  for (let i = options.firstAgent; i < options.firstAgent + options.agents; i++) {
    const { hardware } = describeMachine(options.hardwareSeed, i, options.osMix);
    const { hostname } = describeMachine(options.machineSeed, i, options.osMix);
    const nic = (hardware.network as { mac: string; ipv4: string }[])[0] as {
      mac: string;
      ipv4: string;
    };
    if (macs.has(nic.mac)) continue; // two agents drew one MAC: one machine on the wire
    macs.add(nic.mac);
    ips.add(nic.ipv4);
    fleet.push({
      mac: nic.mac,
      ip: nic.ipv4,
      ...(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(hostname) ? { hostname } : {}),
      source: 'arp',
      seenAt: options.seenAt,
    });
  }
  const planted: Sighting[] = [];
  for (let r = options.firstRogue; r < options.firstRogue + options.rogues; r++) {
    for (let attempt = 0; ; attempt++) {
      const byte = (k: number) =>
        Math.floor(unitDraw(options.hardwareSeed, r, ROGUE_STREAM + attempt, k) * 256);
      const tail = [byte(1), byte(2), byte(3), byte(4), byte(5)];
      const mac = ['02', ...tail.map((b) => b.toString(16).padStart(2, '0'))].join(':');
      const ip = `100.${64 + (byte(6) & 63)}.${byte(7)}.${1 + (byte(8) % 254)}`;
      if (macs.has(mac) || ips.has(ip)) continue;
      macs.add(mac);
      ips.add(ip);
      planted.push({
        mac,
        ip,
        hostname: `unmanaged-${r}`,
        source: r % 2 === 0 ? 'arp' : 'dhcp',
        seenAt: options.seenAt,
      });
      break;
    }
  }
  return { fleet, planted };
}
