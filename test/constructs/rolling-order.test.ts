import { describe, expect, it } from 'vitest';
import { resources, synthDeployment } from './synth-helper.js';

const HA = { clients: 20_000, highAvailability: true };

/** Terraform addresses each resource depends on, by the resource's construct path. */
function dependsOnOf(json: Record<string, unknown>, type: string): Map<string, string[]> {
  const typed =
    (json.resource as Record<string, Record<string, Record<string, unknown>>>)[type] ?? {};
  return new Map(
    Object.entries(typed).map(([name, body]) => [
      name,
      (body.depends_on as string[] | undefined) ?? [],
    ]),
  );
}

describe('the rolling order of an HA pair', () => {
  it('vms: the second server host is provisioned only after the first', () => {
    const { json } = synthDeployment('vms', HA);
    const servers = [...dependsOnOf(json, 'null_resource')].filter(([name]) =>
      /Server_Host-[12]/.test(name),
    );
    expect(servers).toHaveLength(2);
    const [first, second] = servers.sort(([a], [b]) => a.localeCompare(b));
    expect(second?.[1]).toContain(`null_resource.${first?.[0]}`);
    expect(first?.[1].some((d) => /Server_Host-2/.test(d))).toBe(false);
  });

  it('Azure: the second server VM is updated only after the first', () => {
    const { json } = synthDeployment('azure', HA);
    const vms = [...dependsOnOf(json, 'azurerm_linux_virtual_machine')].filter(([name]) =>
      /Server_Host-[12]/.test(name),
    );
    expect(vms).toHaveLength(2);
    const [first, second] = vms.sort(([a], [b]) => a.localeCompare(b));
    expect(second?.[1]).toContain(`azurerm_linux_virtual_machine.${first?.[0]}`);
    expect(resources(json, 'azurerm_linux_virtual_machine').length).toBeGreaterThanOrEqual(2);
  });

  it('rollingUpgrade: false applies both hosts at once', () => {
    const { json } = synthDeployment('vms', HA, { rollingUpgrade: false });
    const servers = [...dependsOnOf(json, 'null_resource')].filter(([name]) =>
      /Server_Host-[12]/.test(name),
    );
    for (const [, deps] of servers) expect(deps.some((d) => /Server_Host/.test(d))).toBe(false);
  });
});
