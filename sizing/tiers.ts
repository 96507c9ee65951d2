/**
 * The guide's deployment tiers, one row per client range.
 *
 * Sources (see esmc-facts.md):
 * - "guide: deployment scenarios": intervals, placement, engines, appliance advice;
 * - "guide: hardware sizing": server and database cores / RAM / disk;
 * - "ours": where the guide says nothing or gives a lower bound ("4+"); each says why.
 */

/** A machine shape: what a role needs, before it is mapped to a concrete size. */
export interface Shape {
  readonly cores: number;
  readonly memoryGiB: number;
  readonly diskGiB: number;
  /** Where the figures come from. */
  readonly source: string;
}

export type TierId = 'up-to-1k' | '1k-5k' | '5k-10k' | '10k-50k' | '50k-100k' | 'over-100k';

export type GuideAdvice = 'yes' | 'no' | 'optional' | 'not recommended';

export interface Tier {
  readonly id: TierId;
  /** Human label, inclusive bounds. */
  readonly label: string;
  readonly minClients: number;
  /** Inclusive upper bound; null for the open-ended top tier. */
  readonly maxClients: number | null;
  /** guide: deployment scenarios, "replication interval while rolling out". */
  readonly deploymentIntervalSeconds: number;
  /** guide: deployment scenarios, "replication interval in steady use". */
  readonly steadyIntervalSeconds: number;
  /** guide: deployment scenarios, "server and DB on one machine". */
  readonly databaseOnServerHost: boolean;
  /**
   * Server shape. For tiers where the database shares the host this is the guide's figure
   * for the whole box (server and database together).
   */
  readonly server: Shape;
  /**
   * Database shape when it has a host or service of its own: the guide's column for the big
   * tiers; ours for the small ones, which only use it for a managed database (Azure).
   */
  readonly database: Shape;
  /** The guide's advice for the original product (ESMC on Windows), shown beside ours. */
  readonly guide: {
    readonly msSqlExpress: boolean;
    readonly msSql: boolean;
    readonly mySql: boolean;
    readonly virtualAppliance: GuideAdvice;
    readonly serverOnVirtualMachine: GuideAdvice;
  };
}

const GUIDE_HW = 'guide: hardware sizing';
const GUIDE_HW_SAME_BOX = 'guide: hardware sizing (database on the same box)';
const OURS_SMALL_MANAGED_DB =
  'ours: the guide puts the database on the server box at this tier; a managed database needs a shape of its own, the smallest that holds the tier';

export const TIERS: readonly Tier[] = [
  {
    id: 'up-to-1k',
    label: '1-1,000',
    minClients: 1,
    maxClients: 1_000,
    deploymentIntervalSeconds: 60,
    steadyIntervalSeconds: 600,
    databaseOnServerHost: true,
    server: { cores: 2, memoryGiB: 4, diskGiB: 100, source: GUIDE_HW_SAME_BOX },
    database: { cores: 2, memoryGiB: 4, diskGiB: 32, source: OURS_SMALL_MANAGED_DB },
    guide: {
      msSqlExpress: true,
      msSql: true,
      mySql: true,
      virtualAppliance: 'yes',
      serverOnVirtualMachine: 'yes',
    },
  },
  {
    id: '1k-5k',
    label: '1,001-5,000',
    minClients: 1_001,
    maxClients: 5_000,
    deploymentIntervalSeconds: 300,
    steadyIntervalSeconds: 600,
    databaseOnServerHost: true,
    server: {
      cores: 4,
      memoryGiB: 8,
      diskGiB: 150,
      source: `${GUIDE_HW_SAME_BOX}; RAM at the top of the guide's 4-8 GB because PostgreSQL shares it`,
    },
    database: { cores: 2, memoryGiB: 8, diskGiB: 64, source: OURS_SMALL_MANAGED_DB },
    guide: {
      msSqlExpress: true,
      msSql: true,
      mySql: true,
      virtualAppliance: 'yes',
      serverOnVirtualMachine: 'yes',
    },
  },
  {
    id: '5k-10k',
    label: '5,001-10,000',
    minClients: 5_001,
    maxClients: 10_000,
    deploymentIntervalSeconds: 600,
    steadyIntervalSeconds: 1_200,
    databaseOnServerHost: true,
    server: {
      cores: 4,
      memoryGiB: 8,
      diskGiB: 200,
      source: `${GUIDE_HW_SAME_BOX}; RAM at the top of the guide's 4-8 GB because PostgreSQL shares it`,
    },
    database: { cores: 2, memoryGiB: 8, diskGiB: 64, source: OURS_SMALL_MANAGED_DB },
    guide: {
      msSqlExpress: false,
      msSql: true,
      mySql: true,
      virtualAppliance: 'not recommended',
      serverOnVirtualMachine: 'yes',
    },
  },
  {
    id: '10k-50k',
    label: '10,001-50,000',
    minClients: 10_001,
    maxClients: 50_000,
    deploymentIntervalSeconds: 900,
    steadyIntervalSeconds: 1_800,
    databaseOnServerHost: false,
    server: {
      cores: 4,
      memoryGiB: 8,
      diskGiB: 40,
      source: `${GUIDE_HW} (4+ / 4+ / 40); RAM 8 is ours: up to 50,000 persistent TLS connections at ~64 KiB each need ~3 GiB`,
    },
    database: {
      cores: 8,
      memoryGiB: 8,
      diskGiB: 256,
      source: `${GUIDE_HW} (8+ / 8+ / 250+), disk rounded up to a power of two as managed storage is sold`,
    },
    guide: {
      msSqlExpress: false,
      msSql: true,
      mySql: false,
      virtualAppliance: 'no',
      serverOnVirtualMachine: 'optional',
    },
  },
  {
    id: '50k-100k',
    label: '50,001-100,000',
    minClients: 50_001,
    maxClients: 100_000,
    deploymentIntervalSeconds: 1_200,
    steadyIntervalSeconds: 2_400,
    databaseOnServerHost: false,
    server: {
      cores: 8,
      memoryGiB: 16,
      diskGiB: 80,
      source: `${GUIDE_HW} (8+ / 4+ / 80); RAM 16 is ours: up to 100,000 persistent TLS connections at ~64 KiB each need ~6 GiB`,
    },
    database: {
      cores: 8,
      memoryGiB: 16,
      diskGiB: 512,
      source: `${GUIDE_HW} (8+ / 16+ / 250+); disk 512 is ours: twice the tier below for twice the agents' logs`,
    },
    guide: {
      msSqlExpress: false,
      msSql: true,
      mySql: false,
      virtualAppliance: 'no',
      serverOnVirtualMachine: 'no',
    },
  },
  {
    id: 'over-100k',
    label: 'over 100,000',
    minClients: 100_001,
    maxClients: null,
    deploymentIntervalSeconds: 1_500,
    steadyIntervalSeconds: 3_600,
    databaseOnServerHost: false,
    server: {
      cores: 8,
      memoryGiB: 16,
      diskGiB: 80,
      source: `${GUIDE_HW} (8+ / 8+ / 80); RAM 16 is ours, as for the tier below (HA splits agents over two servers)`,
    },
    database: {
      cores: 8,
      memoryGiB: 64,
      diskGiB: 1_024,
      source: `${GUIDE_HW} (8+ / 32+ / 250+); RAM 64 and disk 1,024 are ours: the guide asks for more RAM than the data on disk, so memory-optimised`,
    },
    guide: {
      msSqlExpress: false,
      msSql: true,
      mySql: false,
      virtualAppliance: 'no',
      serverOnVirtualMachine: 'no',
    },
  },
];

/** The tier whose inclusive range holds `clients` (which must already be validated). */
export function tierFor(clients: number): Tier {
  const tier = TIERS.find((t) => t.maxClients === null || clients <= t.maxClients);
  // The last tier is open-ended, so find() cannot miss for clients >= 1.
  if (!tier) throw new RangeError(`no tier for ${clients} clients`);
  return tier;
}
