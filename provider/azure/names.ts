/** Azure resource names from the prefix, one place so they stay consistent. */
export function azureName(prefix: string, ...parts: readonly (string | number)[]): string {
  return [prefix, ...parts].join('-');
}

/** Deterministic /24 of a /16 per zone: x.y.(zone index + 1).0/24. */
export function zoneSubnetCidr(addressSpace: string, zoneIndex: number): string {
  const [a, b] = addressSpace.split('.');
  return `${a}.${b}.${zoneIndex + 1}.0/24`;
}
