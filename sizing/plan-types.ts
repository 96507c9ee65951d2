import type { PostgresTier } from './azure-sizes.js';
import type { DatabaseGrowth } from './database-growth.js';
import type { NormalizedSizingInput, Phase } from './input.js';
import type { ServerNodePlan } from './server-nodes.js';
import type { GuideAdvice, TierId } from './tiers.js';

/** Bumped when the plan's JSON shape changes incompatibly. */
export const SIZING_PLAN_SCHEMA_VERSION = 1;

export type MachineRole = 'server' | 'database' | 'proxy' | 'mdm';

export interface AzureVmChoice {
  readonly kind: 'vm';
  readonly vmSize: string;
}

export interface AzurePostgresChoice {
  readonly kind: 'postgresql-flexible-server';
  readonly skuName: string;
  readonly tier: PostgresTier;
  readonly storageGiB: number;
  readonly highAvailability: 'ZoneRedundant' | 'Disabled';
}

/** Azure Cosmos DB for PostgreSQL (Citus): the database when `databaseEngine` is 'citus'. */
export interface AzureCitusChoice {
  readonly kind: 'cosmosdb-postgresql-cluster';
  readonly coordinator: { readonly vCores: number; readonly storageGiB: number };
  readonly workers: {
    readonly count: number;
    readonly vCores: number;
    readonly storageGiB: number;
  };
  /** A standby per node (Azure's ha_enabled). */
  readonly highAvailability: boolean;
  readonly assumption: string;
}

export interface MachinePlan {
  readonly role: MachineRole;
  /** How many of this machine (an HA pair is 2). */
  readonly count: number;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly diskGiB: number;
  /** Where the shape comes from (guide section or ours, with the reason). */
  readonly source: string;
  /** The concrete Azure size; absent on `vms`, where only the shape applies. */
  readonly azure?: AzureVmChoice | AzurePostgresChoice | AzureCitusChoice;
}

export type DatabasePlacement = 'server-host' | 'dedicated-host' | 'managed';

export interface PlanWarning {
  /** Stable code for scripts and gates. */
  readonly code:
    | 'RATE_ABOVE_GUIDE_LIMIT'
    | 'PEAK_ABOVE_GUIDE_LIMIT'
    | 'INTERVAL_SHORTER_THAN_GUIDE'
    | 'INTERVAL_OVER_TIER_BUDGET'
    | 'MDM_DELAY_GROWS'
    | 'MANY_PROXIES_IN_OFFICE'
    | 'HIGH_AVAILABILITY_OFF';
  readonly message: string;
}

export interface OfficePlan {
  /** 1-based position, as in `officeClients`. */
  readonly index: number;
  readonly clients: number;
  readonly proxies: number;
}

export interface SizingPlan {
  readonly schemaVersion: typeof SIZING_PLAN_SCHEMA_VERSION;
  readonly input: NormalizedSizingInput;
  readonly tier: {
    readonly id: TierId;
    readonly label: string;
    readonly minClients: number;
    readonly maxClients: number | null;
  };
  readonly replication: {
    readonly phase: Phase;
    /** guide: deployment scenarios. */
    readonly deploymentIntervalSeconds: number;
    /** guide: deployment scenarios. */
    readonly steadyIntervalSeconds: number;
    /** The interval in force: the chosen phase's, or the override. */
    readonly intervalSeconds: number;
    readonly intervalSource: 'guide' | 'override';
    /** Agents spread each replication over this window (ours: 10 % of the interval, >= 5 s). */
    readonly jitterSeconds: number;
    /** clients / intervalSeconds. */
    readonly requiredRatePerSecond: number;
    readonly deploymentRatePerSecond: number;
    readonly steadyRatePerSecond: number;
    /** Reconnect storm: clients / jitterSeconds. */
    readonly peakRatePerSecond: number;
    readonly peakAssumption: string;
    /** guide: the most a tier's server should see, the tier's top at the guide's interval. */
    readonly tierBudgetPerSecond: number;
  };
  readonly placement: {
    readonly database: DatabasePlacement;
    readonly highAvailability: boolean;
    readonly serverCount: number;
    readonly loadBalancer: boolean;
  };
  /** Server nodes by rate and by held sessions (what set `placement.serverCount`). */
  readonly serverNodes: ServerNodePlan;
  /** The database at steady state (what sized its disk, with the tier's figure as a floor). */
  readonly databaseGrowth: DatabaseGrowth;
  readonly machines: readonly MachinePlan[];
  readonly proxies: {
    readonly count: number;
    /** The most proxies any one office gets (all offices alike under an even spread). */
    readonly perOffice: number;
    /** Each office, in order: its clients (given, or the even spread's share) and its proxies. */
    readonly offices: readonly OfficePlan[];
    readonly clientsPerProxyLimit: number;
    readonly assumption: string;
  };
  /**
   * Rogue Detection Sensors (issue 19): one per network, the main site's and each office's, on
   * a small host of that network (it must see the LAN's ARP and DHCP broadcasts). No TCP port
   * of its own: it reports to the server on 2222 like an agent, and takes nothing but its own
   * LAN's DHCP broadcasts (UDP 67/68 in the port table).
   */
  readonly rogueDetection: {
    readonly sensors: number;
    /** The main site plus every branch office. */
    readonly networks: number;
    readonly shape: {
      readonly cores: number;
      readonly memoryGiB: number;
      readonly diskGiB: number;
    };
    readonly source: string;
  };
  /** What the guide recommends for the original product, beside our choice. */
  readonly guide: {
    readonly databaseEngines: readonly string[];
    readonly serverAndDatabaseOnOneMachine: boolean;
    readonly virtualAppliance: GuideAdvice;
    readonly serverOnVirtualMachine: GuideAdvice;
  };
  readonly ours: {
    readonly databaseEngine: string;
    readonly appliance: string;
  };
  readonly warnings: readonly PlanWarning[];
}
