/** The parts of a synthesized Terraform JSON document the policy rules read. */
export interface TerraformJson {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, TerraformResourceJson>>>>;
  readonly output?: Readonly<
    Record<string, { readonly value?: unknown; readonly sensitive?: boolean }>
  >;
}

export type TerraformResourceJson = Readonly<Record<string, unknown>> & {
  readonly '//'?: { readonly metadata?: { readonly path?: string } };
};

export interface ResourceRef {
  readonly type: string;
  readonly name: string;
  readonly config: TerraformResourceJson;
  /** `type.name` plus the construct path, what a violation message shows. */
  readonly path: string;
}

export function resourcesOf(doc: TerraformJson, type: string): ResourceRef[] {
  return Object.entries(doc.resource?.[type] ?? {}).map(([name, config]) => ({
    type,
    name,
    config,
    path: `${type}.${name} (${config['//']?.metadata?.path ?? 'no construct path'})`,
  }));
}

/** A host's rendered configuration: Azure custom data (base64) or the bootstrap script uploaded over SSH. */
export interface HostConfiguration {
  readonly platform: 'azure' | 'vms';
  readonly path: string;
  readonly text: string;
}

export function hostConfigurations(doc: TerraformJson): HostConfiguration[] {
  const azure = resourcesOf(doc, 'azurerm_linux_virtual_machine').map((vm) => ({
    platform: 'azure' as const,
    path: vm.path,
    text: Buffer.from(String(vm.config.custom_data ?? ''), 'base64').toString('utf8'),
  }));
  const vms = resourcesOf(doc, 'null_resource').map((host) => {
    const provisioners = (host.config.provisioner ?? []) as readonly Record<
      string,
      { content?: unknown; destination?: string }
    >[];
    const script = provisioners
      .map((p) => p.file)
      .find((f) => f?.destination?.endsWith('/bootstrap.sh'));
    return { platform: 'vms' as const, path: host.path, text: String(script?.content ?? '') };
  });
  return [...azure, ...vms];
}
