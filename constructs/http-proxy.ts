import { Construct } from 'constructs';
import { mergeCloudConfigs } from '../provider/cloud-init.js';
import type { MachineHandle, Platform } from '../provider/platform.js';
import { PropsError } from '../provider/props-error.js';
import type { SizingPlan } from '../sizing/index.js';
import { apacheProxyCloudConfig } from './cloud-init/apache-proxy.js';
import { squidProxyCloudConfig } from './cloud-init/squid-proxy.js';
import { planMachine, vmSizeOf } from './plan-machines.js';

export const PROXY_PORT = 3128;
export type ProxyFlavor = 'apache' | 'squid';
export const PROXY_FLAVORS: readonly ProxyFlavor[] = ['apache', 'squid'];

export interface HttpProxyProps {
  readonly platform: Platform;
  readonly plan: SizingPlan;
  /** The office these proxies serve: its name (in host names) and its place in the plan. */
  readonly office: { readonly name: string; readonly index: number };
  /** Host names agents' CONNECT may reach (the server's names). */
  readonly serverNames: readonly string[];
  readonly serverPort: number;
  /** Networks the office's agents connect from. */
  readonly agentCidrs: readonly string[];
  /** Apache HTTP Server (the guide's proxy) or Squid. @default 'apache' */
  readonly flavor?: ProxyFlavor;
  /** How many proxies. @default the plan's for this office (one per ~1,000 of its clients) */
  readonly count?: number;
  /** Plain-HTTP hosts whose update downloads are cached. @default [] */
  readonly updateHosts?: readonly string[];
  /** Disk cache size in GiB. @default half the proxy's disk */
  readonly cacheGiB?: number;
}

/**
 * One branch office's forward proxies: CONNECT only to the server's replication port, cached
 * update downloads, nothing else (no open relay), listening on 3128 for the office's agents.
 * Hosts are `smc-proxy-<office>-<n>`, placed in the office by the platform (on vms the hosts
 * listed for it; on Azure in the VNet or, on-premises, as cloud-init documents only).
 */
export class HttpProxy extends Construct {
  readonly hosts: readonly MachineHandle[];
  /** `host:3128` per proxy, what agents in the office are configured with. */
  readonly addresses: readonly string[];
  readonly officeName: string;

  constructor(scope: Construct, id: string, props: HttpProxyProps) {
    super(scope, id);
    const { platform, plan, office } = props;
    const field = `offices[${office.index - 1}]`;
    this.officeName = office.name;
    const planned = plan.proxies.offices.find((o) => o.index === office.index);
    if (!planned) {
      throw new PropsError(
        field,
        `is not an office of the plan (it has ${plan.input.offices}); plan with offices or officeClients`,
      );
    }
    const flavor = props.flavor ?? 'apache';
    if (!PROXY_FLAVORS.includes(flavor)) {
      throw new PropsError(`${field}.proxyFlavor`, "must be 'apache' or 'squid'", flavor);
    }
    const count = props.count ?? planned.proxies;
    if (!Number.isInteger(count) || count < 1 || count > 1_000) {
      throw new PropsError(
        `${field}.proxies`,
        'must be an integer from 1 to 1,000: an office reaches the server through its proxies',
        count,
      );
    }
    const updateHosts = props.updateHosts ?? [];
    updateHosts.forEach((host, i) => {
      if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host)) {
        throw new PropsError(`proxy.updateHosts[${i}]`, 'must be a lower-case host name', host);
      }
    });
    const machine = planMachine(plan, 'proxy');
    const cacheGiB = props.cacheGiB ?? Math.floor(machine.diskGiB / 2);
    if (!Number.isInteger(cacheGiB) || cacheGiB < 1 || cacheGiB >= machine.diskGiB) {
      throw new PropsError(
        'proxy.cacheGiB',
        `must be an integer from 1 to ${machine.diskGiB - 1} (below the disk size)`,
        cacheGiB,
      );
    }
    const options = {
      port: PROXY_PORT,
      serverNames: props.serverNames,
      serverPort: props.serverPort,
      clientCidrs: props.agentCidrs,
      updateHosts,
      cacheGiB,
      agents: Math.ceil(planned.clients / count),
    };
    const config =
      flavor === 'apache' ? apacheProxyCloudConfig(options) : squidProxyCloudConfig(options);
    this.hosts = Array.from({ length: count }, (_, i) =>
      platform.machine(this, `Host-${i + 1}`, {
        role: 'proxy',
        index: i + 1,
        hostname: `smc-proxy-${office.name}-${i + 1}`,
        zone: 'proxy',
        office: office.name,
        shape: machine,
        ...(vmSizeOf(machine) ? { azureVmSize: vmSizeOf(machine) } : {}),
        cloudConfig: mergeCloudConfigs(config),
        secretFiles: [],
      }),
    );
    this.addresses = this.hosts.map((h) => `${h.fqdn}:${PROXY_PORT}`);
  }
}
