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

export interface HttpProxyProps {
  readonly platform: Platform;
  readonly plan: SizingPlan;
  /** Host names agents' CONNECT may reach (the server's names). */
  readonly serverNames: readonly string[];
  readonly serverPort: number;
  /** Networks the agents connect from. */
  readonly agentCidrs: readonly string[];
  /** Apache HTTP Server (the guide's proxy) or Squid. @default 'apache' */
  readonly flavor?: ProxyFlavor;
  /** How many proxies. @default the plan's (one per office and per ~1,000 of its clients) */
  readonly count?: number;
  /** Plain-HTTP hosts whose update downloads are cached. @default [] */
  readonly updateHosts?: readonly string[];
  /** Disk cache size in GiB. @default half the proxy's disk */
  readonly cacheGiB?: number;
}

/**
 * Forward proxies for branch offices: CONNECT only to the server's replication port, cached
 * update downloads, nothing else (no open relay), listening on 3128.
 */
export class HttpProxy extends Construct {
  readonly hosts: readonly MachineHandle[];
  /** `host:3128` per proxy, what agents in the offices are configured with. */
  readonly addresses: readonly string[];

  constructor(scope: Construct, id: string, props: HttpProxyProps) {
    super(scope, id);
    const { platform, plan } = props;
    const flavor = props.flavor ?? 'apache';
    if (flavor !== 'apache' && flavor !== 'squid') {
      throw new PropsError('proxies.flavor', "must be 'apache' or 'squid'", flavor);
    }
    const count = props.count ?? plan.proxies.count;
    if (!Number.isInteger(count) || count < 0 || count > 1_000) {
      throw new PropsError('proxies.count', 'must be an integer from 0 to 1,000', count);
    }
    if (count === 0 && plan.input.offices > 0) {
      throw new PropsError(
        'proxies.count',
        `must be at least 1 with ${plan.input.offices} office(s): their agents reach the server through a proxy`,
        count,
      );
    }
    const updateHosts = props.updateHosts ?? [];
    updateHosts.forEach((host, i) => {
      if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host)) {
        throw new PropsError(`proxies.updateHosts[${i}]`, 'must be a lower-case host name', host);
      }
    });
    if (count === 0) {
      this.hosts = [];
      this.addresses = [];
      return;
    }
    const machine = planMachine(plan, 'proxy');
    const cacheGiB = props.cacheGiB ?? Math.floor(machine.diskGiB / 2);
    if (!Number.isInteger(cacheGiB) || cacheGiB < 1 || cacheGiB >= machine.diskGiB) {
      throw new PropsError(
        'proxies.cacheGiB',
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
    };
    const config =
      flavor === 'apache' ? apacheProxyCloudConfig(options) : squidProxyCloudConfig(options);
    this.hosts = Array.from({ length: count }, (_, i) =>
      platform.machine(this, `Host-${i + 1}`, {
        role: 'proxy',
        index: i + 1,
        hostname: `smc-proxy-${i + 1}`,
        zone: 'proxy',
        shape: machine,
        ...(vmSizeOf(machine) ? { azureVmSize: vmSizeOf(machine) } : {}),
        cloudConfig: mergeCloudConfigs(config),
        secretFiles: [],
      }),
    );
    this.addresses = this.hosts.map((h) => `${h.fqdn}:${PROXY_PORT}`);
  }
}
