/**
 * Azure sizes a shape maps to. Figures are Azure's published vCPU / memory for each size.
 * Selection rule (ours): the size with the fewest cores, then the least memory, that meets the
 * shape; burstable sizes only where the role allows them (sustained load drains burst credits).
 */

export interface AzureVmSize {
  readonly name: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly burstable: boolean;
}

export const AZURE_VM_SIZES: readonly AzureVmSize[] = [
  { name: 'Standard_B2s', cores: 2, memoryGiB: 4, burstable: true },
  { name: 'Standard_B2ms', cores: 2, memoryGiB: 8, burstable: true },
  { name: 'Standard_D2s_v5', cores: 2, memoryGiB: 8, burstable: false },
  { name: 'Standard_D4s_v5', cores: 4, memoryGiB: 16, burstable: false },
  { name: 'Standard_E4s_v5', cores: 4, memoryGiB: 32, burstable: false },
  { name: 'Standard_D8s_v5', cores: 8, memoryGiB: 32, burstable: false },
  { name: 'Standard_E8s_v5', cores: 8, memoryGiB: 64, burstable: false },
  { name: 'Standard_D16s_v5', cores: 16, memoryGiB: 64, burstable: false },
  { name: 'Standard_E16s_v5', cores: 16, memoryGiB: 128, burstable: false },
  { name: 'Standard_D32s_v5', cores: 32, memoryGiB: 128, burstable: false },
];

export type PostgresTier = 'Burstable' | 'GeneralPurpose' | 'MemoryOptimized';

export interface AzurePostgresSku {
  /** The `sku_name` azurerm_postgresql_flexible_server takes. */
  readonly name: string;
  readonly tier: PostgresTier;
  readonly cores: number;
  readonly memoryGiB: number;
}

export const AZURE_POSTGRES_SKUS: readonly AzurePostgresSku[] = [
  { name: 'B_Standard_B1ms', tier: 'Burstable', cores: 1, memoryGiB: 2 },
  { name: 'B_Standard_B2s', tier: 'Burstable', cores: 2, memoryGiB: 4 },
  { name: 'B_Standard_B2ms', tier: 'Burstable', cores: 2, memoryGiB: 8 },
  { name: 'GP_Standard_D2ds_v5', tier: 'GeneralPurpose', cores: 2, memoryGiB: 8 },
  { name: 'GP_Standard_D4ds_v5', tier: 'GeneralPurpose', cores: 4, memoryGiB: 16 },
  { name: 'MO_Standard_E4ds_v5', tier: 'MemoryOptimized', cores: 4, memoryGiB: 32 },
  { name: 'GP_Standard_D8ds_v5', tier: 'GeneralPurpose', cores: 8, memoryGiB: 32 },
  { name: 'MO_Standard_E8ds_v5', tier: 'MemoryOptimized', cores: 8, memoryGiB: 64 },
  { name: 'GP_Standard_D16ds_v5', tier: 'GeneralPurpose', cores: 16, memoryGiB: 64 },
  { name: 'MO_Standard_E16ds_v5', tier: 'MemoryOptimized', cores: 16, memoryGiB: 128 },
];

/** Flexible Server storage sizes (GiB) Azure sells; a request is rounded up to one of them. */
export const AZURE_POSTGRES_STORAGE_GIB = [
  32, 64, 128, 256, 512, 1_024, 2_048, 4_096, 8_192, 16_384,
];

interface Need {
  readonly cores: number;
  readonly memoryGiB: number;
}

function smallestFitting<T extends Need & { readonly name: string }>(
  catalogue: readonly T[],
  need: Need,
): T {
  const fits = catalogue
    .filter((s) => s.cores >= need.cores && s.memoryGiB >= need.memoryGiB)
    .sort((a, b) => a.cores - b.cores || a.memoryGiB - b.memoryGiB);
  const best = fits[0];
  if (!best) {
    throw new RangeError(
      `no Azure size has ${need.cores} cores and ${need.memoryGiB} GiB; the catalogue tops out at ${catalogue.at(-1)?.name}`,
    );
  }
  return best;
}

export function azureVmSizeFor(need: Need, allowBurstable: boolean): AzureVmSize {
  return smallestFitting(
    AZURE_VM_SIZES.filter((s) => allowBurstable || !s.burstable),
    need,
  );
}

/** Burstable SKUs do not support high availability on Azure, so HA excludes them. */
export function azurePostgresSkuFor(
  need: Need,
  options: { allowBurstable: boolean },
): AzurePostgresSku {
  return smallestFitting(
    AZURE_POSTGRES_SKUS.filter((s) => options.allowBurstable || s.tier !== 'Burstable'),
    need,
  );
}

export function azurePostgresStorageFor(diskGiB: number): number {
  const size = AZURE_POSTGRES_STORAGE_GIB.find((s) => s >= diskGiB);
  if (size === undefined)
    throw new RangeError(`no Flexible Server storage size holds ${diskGiB} GiB`);
  return size;
}
