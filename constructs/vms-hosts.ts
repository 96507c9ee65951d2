import type { HostRole } from '../provider/platform.js';
import { placeholderInventory, type VmsInventory } from '../provider/vms/hosts.js';
import type { SizingPlan } from '../sizing/index.js';

/** How many existing hosts each role needs for a plan on `vms` (a load balancer host for HA). */
export function hostCountsFor(plan: SizingPlan): Record<HostRole, number> {
  const count = (role: string) => plan.machines.find((m) => m.role === role)?.count ?? 0;
  return {
    server: count('server'),
    database: plan.placement.database === 'dedicated-host' ? count('database') : 0,
    proxy: count('proxy'),
    mdm: count('mdm'),
    loadBalancer: plan.placement.loadBalancer ? 1 : 0,
    sensor: plan.rogueDetection.sensors,
  };
}

/** Placeholder hosts (documentation addresses, RFC 5737) shaped to the plan. */
export function placeholderHostsFor(plan: SizingPlan): VmsInventory {
  return placeholderInventory(hostCountsFor(plan));
}
