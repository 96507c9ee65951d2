import { Construct } from 'constructs';
import type {
  DatabaseEngine,
  FirewallRule,
  NetworkHandle,
  Platform,
  Zone,
} from '../provider/platform.js';
import { PropsError } from '../provider/props-error.js';
import { isWholeInternet, PRIVATE_RANGES, validateCidrs } from './cidrs.js';
import { ADMINISTRATIVE_PORTS, firewallRules } from './ports.js';

export interface NetworkProps {
  readonly platform: Platform;
  /** Zones that hold hosts or services. */
  readonly zones: readonly Zone[];
  /** Zones holding VMs, where SSH is allowed from admins. @default zones */
  readonly hostZones?: readonly Zone[];
  /** Where PostgreSQL listens (null: nowhere on the network). @default 'database' when that zone exists */
  readonly databaseZone?: Zone | null;
  /** Networks the agents connect from. @default RFC 1918 ranges */
  readonly agentCidrs?: readonly string[];
  /** Networks administrators connect from (SSH, console). Never the whole internet. @default RFC 1918 ranges */
  readonly adminCidrs?: readonly string[];
  /** Networks mobile devices connect from. @default agentCidrs */
  readonly deviceCidrs?: readonly string[];
  /** Networks the branch offices' agents connect from (to their proxies). @default agentCidrs */
  readonly officeAgentCidrs?: readonly string[];
  /**
   * Where office proxies connect from when the platform does not build them (see
   * `Platform.placesOfficeProxies`): rules still cover the proxy zone (its hosts run them in
   * nftables), and the server admits these ranges in its place. @default [] (proxies are built)
   */
  readonly officeProxyCidrs?: readonly string[];
  /** Two servers behind a load balancer. @default false */
  readonly serverPeers?: boolean;
  /** The managed database's engine (DatabaseProps.engine), which shapes its subnet. @default 'postgresql' */
  readonly databaseEngine?: DatabaseEngine;
}

/**
 * The deployment's network: zones plus least-privilege rules generated from the port table,
 * sources narrowed to the zones or ranges that need each port.
 */
export class Network extends Construct {
  readonly rules: readonly FirewallRule[];
  readonly handle: NetworkHandle;
  readonly agentCidrs: readonly string[];
  readonly adminCidrs: readonly string[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    if (props.zones.length === 0 || !props.zones.includes('server')) {
      throw new PropsError('zones', "must include 'server'", props.zones.join(', '));
    }
    this.agentCidrs = validateCidrs('agentCidrs', props.agentCidrs ?? PRIVATE_RANGES, {
      administrative: false,
    });
    this.adminCidrs = validateCidrs('adminCidrs', props.adminCidrs ?? PRIVATE_RANGES, {
      administrative: true,
    });
    const deviceCidrs = validateCidrs('deviceCidrs', props.deviceCidrs ?? this.agentCidrs, {
      administrative: false,
    });
    const officeAgentCidrs = validateCidrs(
      'offices[].agentCidrs',
      props.officeAgentCidrs ?? this.agentCidrs,
      { administrative: false },
    );
    const officeProxyCidrs = props.officeProxyCidrs ?? [];
    if (officeProxyCidrs.length > 0) {
      validateCidrs('offices[].proxyCidrs', officeProxyCidrs, { administrative: false });
    }
    this.rules = firewallRules({
      zones: props.zones,
      hostZones: props.hostZones ?? props.zones,
      databaseZone:
        props.databaseZone === undefined
          ? props.zones.includes('database')
            ? 'database'
            : null
          : props.databaseZone,
      agentCidrs: this.agentCidrs,
      officeAgentCidrs,
      officeProxyCidrs,
      adminCidrs: this.adminCidrs,
      deviceCidrs,
      lanCidrs: lanOf([...this.agentCidrs, ...officeAgentCidrs]),
      serverPeers: props.serverPeers ?? false,
    });
    assertNothingAdministrativeFromInternet(this.rules);
    // Zones of hosts the platform does not build have rules but no network resources.
    const external: readonly Zone[] = officeProxyCidrs.length > 0 ? ['proxy'] : [];
    this.handle = props.platform.network(this, 'Resources', {
      zones: props.zones.filter((zone) => !external.includes(zone)),
      rules: this.rules,
      ...(props.databaseEngine === 'citus' ? { managedDatabase: 'citus' as const } : {}),
    });
  }
}

/**
 * Where the sensors' DHCP broadcasts come from: the agents' networks without any whole-internet
 * entry (agents may come from anywhere, broadcasts only from the LAN), else the private ranges.
 */
function lanOf(agentRanges: readonly string[]): readonly string[] {
  const lan = [...new Set(agentRanges)].filter((cidr) => !isWholeInternet(cidr));
  return lan.length > 0 ? lan : PRIVATE_RANGES;
}

/** The last line of defence, whatever the table says: no administrative port from anywhere. */
function assertNothingAdministrativeFromInternet(rules: readonly FirewallRule[]): void {
  for (const rule of rules) {
    if (!ADMINISTRATIVE_PORTS.includes(rule.port) || rule.from.kind !== 'cidrs') continue;
    const open = rule.from.cidrs.find(isWholeInternet);
    if (open) {
      throw new PropsError(
        `${rule.from.label}Cidrs`,
        `must not open port ${rule.port} (${rule.name}) to the internet`,
        open,
      );
    }
  }
}
