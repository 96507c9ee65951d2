import type { FirewallRule, TrafficSource, TransportProtocol, Zone } from '../provider/platform.js';

/**
 * Who opens a connection: address ranges given in props (agents at the main site, agents in
 * the branch offices, administrators, mobile devices), the machines of the LANs the sensors
 * stand in (`lan`, for DHCP), or the hosts of a zone.
 */
export type PortSource = 'agents' | 'officeAgents' | 'admins' | 'devices' | 'lan' | Zone;

/**
 * The source address of a DHCP client that has no address yet (DISCOVER, first REQUEST):
 * RFC 2131 section 4.1. Without it a host firewall drops exactly the broadcasts a sensor
 * learns new machines from.
 */
export const UNCONFIGURED_DHCP_CLIENT = '0.0.0.0/32';

export interface PortEntry {
  readonly name: string;
  readonly port: number;
  readonly protocol: TransportProtocol;
  /** The zone whose hosts listen. `database` falls back to `server` when PostgreSQL shares that host. */
  readonly listener: Zone;
  readonly from: readonly PortSource[];
  readonly purpose: string;
}

/**
 * The one port table (esmc-facts.md "Ports"). Every platform's firewall is generated from it,
 * so NSG rules on Azure and nftables on existing hosts allow exactly the same flows.
 * 443 (web console) is not listed: smc-kit's console is served on 2223.
 */
export const PORT_TABLE: readonly PortEntry[] = [
  {
    name: 'agent-replication',
    port: 2222,
    protocol: 'tcp',
    listener: 'server',
    // Proxies tunnel agents' CONNECT to it, the MDM connector relays like an agent, HA peers
    // reach each other through the load balancer, and sensors report what they saw.
    from: ['agents', 'proxy', 'mdm', 'server', 'sensor'],
    purpose: 'replication, TLS + HTTP/2 (guide: ports)',
  },
  {
    name: 'console-api',
    port: 2223,
    protocol: 'tcp',
    listener: 'server',
    from: ['admins'],
    purpose: 'web console and server API over HTTPS (guide: ports)',
  },
  {
    name: 'push',
    port: 8883,
    protocol: 'tcp',
    listener: 'server',
    // Office agents hold their push session directly: MQTT is not cached, and a wake-up that
    // cannot arrive is only a lost wake-up.
    from: ['agents', 'officeAgents'],
    purpose: 'push service for wake-up calls, MQTT over mutual TLS (guide: ports)',
  },
  {
    name: 'http-proxy',
    port: 3128,
    protocol: 'tcp',
    listener: 'proxy',
    from: ['officeAgents'],
    purpose: 'CONNECT tunnel to 2222 and cached update downloads (guide: ports)',
  },
  {
    name: 'mdm-enrollment',
    port: 9980,
    protocol: 'tcp',
    listener: 'mdm',
    // The connector's console API (MDM enrollment tokens) shares the enrollment port.
    from: ['devices', 'admins'],
    purpose: 'mobile device enrollment and the connector console (smc-kit port)',
  },
  {
    name: 'mdm-device',
    port: 9981,
    protocol: 'tcp',
    listener: 'mdm',
    from: ['devices'],
    purpose: 'mobile device communication (smc-kit port)',
  },
  {
    name: 'postgresql',
    port: 5432,
    protocol: 'tcp',
    listener: 'database',
    from: ['server', 'mdm'],
    purpose: 'PostgreSQL for the server and the MDM connector (ours)',
  },
  {
    name: 'dhcp-requests',
    port: 67,
    protocol: 'udp',
    listener: 'sensor',
    // Clients broadcast DISCOVER/REQUEST from 0.0.0.0 or their LAN address; `smc rd-sensor`
    // listens here without answering (a DHCP server on the same host keeps working).
    from: ['lan'],
    purpose: 'DHCP client broadcasts the Rogue Detection Sensor hears (RFC 2131; ours)',
  },
  {
    name: 'dhcp-replies',
    port: 68,
    protocol: 'udp',
    listener: 'sensor',
    // OFFER/ACK broadcasts from the LAN's DHCP server or relay (they carry the address handed
    // out); admitted so the host firewall does not drop them on the sensor's host.
    from: ['lan'],
    purpose: 'DHCP server broadcasts on the sensor host (RFC 2131; ours)',
  },
  {
    name: 'ssh',
    port: 22,
    protocol: 'tcp',
    listener: 'server',
    from: ['admins'],
    purpose: 'administration over SSH, keys only (ours); repeated for every host zone',
  },
];

/** Ports no rule may open to the whole internet: administration and data. */
export const ADMINISTRATIVE_PORTS: readonly number[] = [22, 3389, 2223, 5432];

export interface RuleContext {
  /** Zones that hold hosts or services in this deployment. */
  readonly zones: readonly Zone[];
  /** Zones holding VMs (SSH applies there); a managed database has none. */
  readonly hostZones: readonly Zone[];
  /** Where PostgreSQL listens: its own zone, or the server's when it shares the host. */
  readonly databaseZone: Zone | null;
  readonly agentCidrs: readonly string[];
  /** Agents of the branch offices (their proxies' clients). */
  readonly officeAgentCidrs: readonly string[];
  /**
   * Where office proxies connect from when they are not hosts of a zone here (Azure with
   * on-premises proxies): the server accepts them from these ranges instead. @default []
   */
  readonly officeProxyCidrs?: readonly string[];
  readonly adminCidrs: readonly string[];
  readonly deviceCidrs: readonly string[];
  /**
   * The LANs the sensors stand in (the main site's and the offices' agent ranges, never the
   * internet: a broadcast does not cross a router). The DHCP rows add 0.0.0.0/32. @default []
   */
  readonly lanCidrs?: readonly string[];
  /** An HA pair: the servers reach each other (and the load balancer) on 2222. */
  readonly serverPeers: boolean;
}

/** Expands the table into concrete rules for the zones that exist, names stable and unique. */
export function firewallRules(context: RuleContext): FirewallRule[] {
  const rules: FirewallRule[] = [];
  for (const entry of PORT_TABLE) {
    const listeners = listenersOf(entry, context);
    for (const to of listeners) {
      for (const from of entry.from) {
        const source = sourceOf(from, context);
        if (!source) continue;
        // A host talks to itself over loopback; a zone-to-same-zone rule only matters for HA peers.
        if (
          source.kind === 'zone' &&
          source.zone === to &&
          !(entry.port === 2222 && context.serverPeers)
        ) {
          continue;
        }
        rules.push({
          name:
            entry.name === 'ssh'
              ? `ssh-to-${to}-from-${kebab(from)}`
              : `${entry.name}-from-${kebab(from)}`,
          port: entry.port,
          protocol: entry.protocol,
          to,
          from: source,
          purpose: entry.purpose,
        });
      }
    }
  }
  return rules;
}

/** Rule names are lower case with hyphens on every platform: `officeAgents` -> `office-agents`. */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function listenersOf(entry: PortEntry, context: RuleContext): readonly Zone[] {
  if (entry.name === 'ssh') return context.hostZones;
  if (entry.listener === 'database') return context.databaseZone ? [context.databaseZone] : [];
  return context.zones.includes(entry.listener) ? [entry.listener] : [];
}

function sourceOf(from: PortSource, context: RuleContext): TrafficSource | null {
  switch (from) {
    case 'agents':
      return { kind: 'cidrs', label: from, cidrs: context.agentCidrs };
    case 'officeAgents':
      return context.officeAgentCidrs.length > 0
        ? { kind: 'cidrs', label: from, cidrs: context.officeAgentCidrs }
        : null;
    case 'admins':
      return { kind: 'cidrs', label: from, cidrs: context.adminCidrs };
    case 'devices':
      return { kind: 'cidrs', label: from, cidrs: context.deviceCidrs };
    case 'lan': {
      const lan = context.lanCidrs ?? [];
      return lan.length > 0
        ? { kind: 'cidrs', label: from, cidrs: [...lan, UNCONFIGURED_DHCP_CLIENT] }
        : null;
    }
    case 'proxy':
      // Proxies the platform does not build (on-premises) are known by their offices' ranges.
      if ((context.officeProxyCidrs ?? []).length > 0) {
        return { kind: 'cidrs', label: 'officeProxies', cidrs: context.officeProxyCidrs ?? [] };
      }
      return context.hostZones.includes('proxy') ? { kind: 'zone', zone: 'proxy' } : null;
    default:
      return context.hostZones.includes(from) ? { kind: 'zone', zone: from } : null;
  }
}
