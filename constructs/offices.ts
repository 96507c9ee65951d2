import { PropsError } from '../provider/props-error.js';
import type { SizingPlan } from '../sizing/index.js';
import { validateCidrs } from './cidrs.js';
import { PROXY_FLAVORS, type ProxyFlavor } from './http-proxy.js';

/** A branch office as a site: where its agents are and how its proxies run. */
export interface OfficeProps {
  /** Lower-case name used in host names (`smc-proxy-<name>-1`) and on vms hosts' `office`. @default `office-<n>` */
  readonly name?: string;
  /** Networks the office's agents connect from; its proxies accept nothing else. @default the deployment's agentCidrs */
  readonly agentCidrs?: readonly string[];
  /**
   * Where the office's proxies connect to the server from, when they are not machines of the
   * platform (Azure with on-premises proxies): the server's firewall admits these ranges.
   * @default agentCidrs
   */
  readonly proxyCidrs?: readonly string[];
  /** How many proxies. @default the plan's for the office (one per ~1,000 of its clients) */
  readonly proxies?: number;
  /** @default the deployment's proxy.flavor, else 'apache' */
  readonly proxyFlavor?: ProxyFlavor;
}

export interface ResolvedOffice {
  readonly index: number;
  readonly name: string;
  readonly clients: number;
  readonly agentCidrs: readonly string[];
  readonly proxyCidrs: readonly string[];
  readonly proxies: number | undefined;
  readonly proxyFlavor: ProxyFlavor;
}

const OFFICE_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/** The plan's offices with their site props, checked; errors name `offices[i].field`. */
export function resolveOffices(
  plan: SizingPlan,
  offices: readonly OfficeProps[] | undefined,
  defaults: { agentCidrs: readonly string[]; flavor: ProxyFlavor | undefined },
): ResolvedOffice[] {
  const given = offices ?? [];
  if (!Array.isArray(given)) throw new PropsError('offices', 'must be a list of offices', given);
  if (given.length > plan.input.offices) {
    throw new PropsError(
      'offices',
      `lists ${given.length} offices but the plan has ${plan.input.offices}; plan them with offices or officeClients`,
    );
  }
  const seen = new Set<string>();
  return plan.proxies.offices.map((planned, i) => {
    const office = given[i] ?? {};
    const field = `offices[${i}]`;
    const name = office.name ?? `office-${planned.index}`;
    if (!OFFICE_NAME.test(name)) {
      throw new PropsError(
        `${field}.name`,
        'must be 2 to 32 lower-case letters, digits and hyphens, starting with a letter',
        name,
      );
    }
    if (seen.has(name)) throw new PropsError(`${field}.name`, 'is used by another office', name);
    seen.add(name);
    const flavor = office.proxyFlavor ?? defaults.flavor ?? 'apache';
    if (!PROXY_FLAVORS.includes(flavor)) {
      throw new PropsError(`${field}.proxyFlavor`, "must be 'apache' or 'squid'", flavor);
    }
    const agentCidrs = office.agentCidrs
      ? validateCidrs(`${field}.agentCidrs`, office.agentCidrs, { administrative: false })
      : defaults.agentCidrs;
    const proxyCidrs = office.proxyCidrs
      ? validateCidrs(`${field}.proxyCidrs`, office.proxyCidrs, { administrative: false })
      : agentCidrs;
    return {
      index: planned.index,
      name,
      clients: planned.clients,
      agentCidrs,
      proxyCidrs,
      proxies: office.proxies,
      proxyFlavor: flavor,
    };
  });
}
