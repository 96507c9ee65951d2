import { PropsError } from '../provider/props-error.js';
import type { MachinePlan, MachineRole, SizingPlan } from '../sizing/index.js';

/** The plan's machine for a role; a construct for a role the plan lacks is a caller's mistake. */
export function planMachine(plan: SizingPlan, role: MachineRole): MachinePlan {
  const machine = plan.machines.find((m) => m.role === role);
  if (!machine) {
    throw new PropsError(
      `plan.machines`,
      `has no ${role} machine for ${plan.input.clients} clients; check the plan inputs`,
    );
  }
  return machine;
}

export function vmSizeOf(machine: MachinePlan): string | undefined {
  return machine.azure?.kind === 'vm' ? machine.azure.vmSize : undefined;
}

/** Server hosts are `smc-server-1`, `smc-server-2`: the database beside the first uses its name. */
export const SERVER_HOSTNAME_PREFIX = 'smc-server-';
