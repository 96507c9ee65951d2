import {
  AZURE_POSTGRES_STORAGE_GIB,
  azurePostgresSkuFor,
  azurePostgresStorageFor,
  azureVmSizeFor,
} from './azure-sizes.js';
import { citusChoiceFor } from './citus-cluster.js';
import { type DatabaseGrowth, planDatabaseGrowth } from './database-growth.js';
import { SizingInputError } from './errors.js';
import { type NormalizedSizingInput, normalizeSizingInput } from './input.js';
import {
  GUIDE_CLIENTS_PER_PROXY,
  GUIDE_MAX_COMMUNICATIONS_PER_SECOND,
  JITTER_FRACTION,
  MIN_JITTER_SECONDS,
} from './limits.js';
import {
  type DatabasePlacement,
  type MachinePlan,
  SIZING_PLAN_SCHEMA_VERSION,
  type SizingPlan,
} from './plan-types.js';
import { planServerNodes } from './server-nodes.js';
import { type Shape, type Tier, tierFor } from './tiers.js';
import { planWarnings } from './warnings.js';

/** ours: an office proxy forwards CONNECT and caches updates; 2 cores and 4 GiB carry ~1,000 agents. */
const PROXY_SHAPE: Shape = {
  cores: 2,
  memoryGiB: 4,
  diskGiB: 64,
  source:
    'ours: CONNECT forwarding plus an update cache for up to ~1,000 clients (guide limit per proxy)',
};

/** guide, MDM section: ~80 devices on 4 cores / 4 GB / 100 GB; "more devices need little more". */
const MDM_SHAPE: Shape = {
  cores: 4,
  memoryGiB: 4,
  diskGiB: 100,
  source: 'guide: MDM section (about 80 devices: 4 cores, 4 GB RAM, 100 GB disk)',
};
/** ours: past 1,000 devices the connector keeps more device state and TLS sessions in memory. */
const MDM_LARGE_SHAPE: Shape = {
  ...MDM_SHAPE,
  memoryGiB: 8,
  source: 'guide: MDM section (4 cores, 100 GB); RAM 8 is ours for device state past 1,000 devices',
};
const MDM_LARGE_ABOVE_DEVICES = 1_000;
/**
 * ours: a sensor polls the neighbour table and reads DHCP broadcasts; its largest cost is the
 * 5 MB OUI table in Node (measured: 39 MiB RSS bare, 70 MiB with it loaded), so the smallest VM of any platform carries it.
 */
const SENSOR_SHAPE: Shape = {
  cores: 1,
  memoryGiB: 1,
  diskGiB: 8,
  source:
    'ours: a passive listener (neighbour table, DHCP broadcasts) and the OUI table, ~80 MB RSS',
};
/**
 * ours: the disk of a server whose database lives elsewhere: OS, Node, the package and its
 * logs, the 40 GB the guide's own server-only shape at 10,001-50,000 clients has. The small
 * tiers' 100-200 GB hold the database the guide puts on the same box.
 */
const SERVER_ONLY_DISK_GIB = 40;

/**
 * Turns a client count and options into a full deployment plan.
 * Pure: the same input always gives the same plan; throws SizingInputError on bad input.
 */
export function planDeployment(raw: unknown): SizingPlan {
  const input = normalizeSizingInput(raw);
  const tier = tierFor(input.clients);

  const guideInterval =
    input.phase === 'deployment' ? tier.deploymentIntervalSeconds : tier.steadyIntervalSeconds;
  const intervalSeconds = input.replicationIntervalSeconds ?? guideInterval;
  const jitterSeconds = Math.max(MIN_JITTER_SECONDS, Math.round(intervalSeconds * JITTER_FRACTION));
  const tierBudgetPerSecond =
    tier.maxClients === null
      ? GUIDE_MAX_COMMUNICATIONS_PER_SECOND
      : tier.maxClients / guideInterval;

  const replication: SizingPlan['replication'] = {
    phase: input.phase,
    deploymentIntervalSeconds: tier.deploymentIntervalSeconds,
    steadyIntervalSeconds: tier.steadyIntervalSeconds,
    intervalSeconds,
    intervalSource: input.replicationIntervalSeconds === null ? 'guide' : 'override',
    jitterSeconds,
    requiredRatePerSecond: input.clients / intervalSeconds,
    deploymentRatePerSecond: input.clients / tier.deploymentIntervalSeconds,
    steadyRatePerSecond: input.clients / tier.steadyIntervalSeconds,
    peakRatePerSecond: input.clients / jitterSeconds,
    peakAssumption: `after an outage every client reconnects within one jitter window of ${jitterSeconds} s`,
    tierBudgetPerSecond,
  };

  const database = databasePlacement(input, tier);
  const serverNodes = planServerNodes({
    clients: input.clients,
    requiredRatePerSecond: replication.requiredRatePerSecond,
    nodeMemoryGiB: tier.server.memoryGiB,
    highAvailability: input.highAvailability,
    serverUsPerReplication: input.serverUsPerReplication,
    serverKiBPerSession: input.serverKiBPerSession,
  });
  const serverCount = serverNodes.count;
  const databaseGrowth = planDatabaseGrowth(input.clients, input.logsPerClientPerDay);
  const proxies = proxyPlan(input);
  const machines = machinePlans(input, tier, database, serverCount, proxies.count, databaseGrowth);

  const plan: Omit<SizingPlan, 'warnings'> = {
    schemaVersion: SIZING_PLAN_SCHEMA_VERSION,
    input,
    tier: {
      id: tier.id,
      label: tier.label,
      minClients: tier.minClients,
      maxClients: tier.maxClients,
    },
    replication,
    placement: {
      database,
      highAvailability: input.highAvailability,
      serverCount,
      loadBalancer: serverCount > 1,
    },
    serverNodes,
    databaseGrowth,
    machines,
    proxies,
    rogueDetection: {
      sensors: 1 + input.offices,
      networks: 1 + input.offices,
      shape: {
        cores: SENSOR_SHAPE.cores,
        memoryGiB: SENSOR_SHAPE.memoryGiB,
        diskGiB: SENSOR_SHAPE.diskGiB,
      },
      source: `one per network (the main site and each office: it sees only its own LAN's broadcasts); ${SENSOR_SHAPE.source}`,
    },
    guide: {
      databaseEngines: [
        ...(tier.guide.msSqlExpress ? ['MS SQL Express'] : []),
        ...(tier.guide.msSql ? ['MS SQL'] : []),
        ...(tier.guide.mySql ? ['MySQL'] : []),
      ],
      serverAndDatabaseOnOneMachine: tier.databaseOnServerHost,
      virtualAppliance: tier.guide.virtualAppliance,
      serverOnVirtualMachine: tier.guide.serverOnVirtualMachine,
    },
    ours: {
      databaseEngine:
        input.databaseEngine === 'citus' && database === 'managed'
          ? `Citus (Azure Cosmos DB for PostgreSQL: logs sharded by agent id${input.highAvailability ? ', a standby per node' : ''})`
          : ourDatabaseEngine(database, input.highAvailability),
      appliance:
        'none: the server is an npm package run by systemd on any Linux host, sized by this plan',
    },
  };
  return { ...plan, warnings: planWarnings(plan, guideInterval) };
}

function databasePlacement(input: NormalizedSizingInput, tier: Tier): DatabasePlacement {
  // ours: on Azure the managed Flexible Server replaces a self-run database at every tier.
  if (input.platform === 'azure') return 'managed';
  // guide: one machine up to 10,000 clients; an HA pair needs the database off the servers.
  return tier.databaseOnServerHost && !input.highAvailability ? 'server-host' : 'dedicated-host';
}

function ourDatabaseEngine(placement: DatabasePlacement, highAvailability: boolean): string {
  const ha = highAvailability ? ', primary with a standby' : '';
  switch (placement) {
    case 'managed':
      return `PostgreSQL (Azure Database for PostgreSQL Flexible Server${highAvailability ? ', zone-redundant HA' : ''})`;
    case 'dedicated-host':
      return `PostgreSQL on its own host${ha}`;
    case 'server-host':
      return 'PostgreSQL on the server host';
  }
}

function proxyPlan(input: NormalizedSizingInput): SizingPlan['proxies'] {
  // ours: without head-counts, clients are taken as spread evenly over the main site and the
  // offices; each office then needs one proxy per ~1,000 of its clients (guide).
  const evenShare = input.offices === 0 ? 0 : Math.ceil(input.clients / (input.offices + 1));
  const offices = Array.from({ length: input.offices }, (_, i) => {
    const clients = input.officeClients?.[i] ?? evenShare;
    return {
      index: i + 1,
      clients,
      proxies: Math.max(1, Math.ceil(clients / GUIDE_CLIENTS_PER_PROXY)),
    };
  });
  return {
    count: offices.reduce((sum, office) => sum + office.proxies, 0),
    perOffice: Math.max(0, ...offices.map((office) => office.proxies)),
    offices,
    clientsPerProxyLimit: GUIDE_CLIENTS_PER_PROXY,
    assumption:
      input.officeClients === null
        ? 'clients spread evenly over the main site and the offices; one proxy per office and per ~1,000 of its clients (guide: proxy section)'
        : 'clients per office as given; one proxy per office and per ~1,000 of its clients (guide: proxy section)',
  };
}

function machinePlans(
  input: NormalizedSizingInput,
  tier: Tier,
  database: DatabasePlacement,
  serverCount: number,
  proxyCount: number,
  growth: DatabaseGrowth,
): MachinePlan[] {
  const onAzure = input.platform === 'azure';
  const vm = (shape: Shape, allowBurstable: boolean) =>
    onAzure
      ? { azure: { kind: 'vm' as const, vmSize: azureVmSizeFor(shape, allowBurstable).name } }
      : {};

  // A small tier's server disk holds the database the guide puts beside it; placed
  // elsewhere (managed, own host), the server keeps only what lives on it.
  const server: Shape =
    tier.databaseOnServerHost && database !== 'server-host'
      ? {
          ...tier.server,
          diskGiB: Math.min(tier.server.diskGiB, SERVER_ONLY_DISK_GIB),
          source: `${tier.server.source}; disk ours: ${SERVER_ONLY_DISK_GIB} GiB for OS, Node and logs, the database is ${database === 'managed' ? 'managed' : 'on its own host'}`,
        }
      : database === 'server-host'
        ? grownToHold(tier.server, growth)
        : tier.server;
  const databaseShape = grownToHold(tier.database, growth);
  // The server never runs on burstable sizes: replication is a sustained load.
  const machines: MachinePlan[] = [
    { role: 'server', count: serverCount, ...shapeOf(server), ...vm(server, false) },
  ];

  if (database === 'managed' && input.databaseEngine === 'citus') {
    // The logs are sharded over the workers: their disks are checked, not one server's.
    const cluster = citusChoiceFor({
      clients: input.clients,
      databaseCores: databaseShape.cores,
      databaseDiskGiB: growth.diskGiB,
      highAvailability: input.highAvailability,
      logsPerClientPerDay: input.logsPerClientPerDay,
    });
    machines.push({
      role: 'database',
      count: 1 + cluster.workers.count,
      cores: cluster.coordinator.vCores + cluster.workers.count * cluster.workers.vCores,
      memoryGiB: databaseShape.memoryGiB,
      diskGiB: cluster.coordinator.storageGiB + cluster.workers.count * cluster.workers.storageGiB,
      source: cluster.assumption,
      azure: cluster,
    });
  } else if (database === 'managed') {
    const largest = AZURE_POSTGRES_STORAGE_GIB[AZURE_POSTGRES_STORAGE_GIB.length - 1] ?? 0;
    if (databaseShape.diskGiB > largest) {
      throw new SizingInputError(
        'logsPerClientPerDay',
        `makes the database grow to ${growth.diskGiB.toLocaleString('en-US')} GiB of disk at steady state, more than one Flexible Server holds (${largest.toLocaleString('en-US')} GiB): send fewer logs, keep them shorter, shard them (database engine citus) or split the deployment`,
        input.logsPerClientPerDay,
      );
    }
    // A burstable database is fine for the small tiers but Azure offers no HA on it, and from
    // 5,001 clients the deployment-phase write rate would drain its credits (ours).
    const allowBurstable =
      !input.highAvailability && tier.maxClients !== null && tier.maxClients <= 5_000;
    const sku = azurePostgresSkuFor(databaseShape, { allowBurstable });
    machines.push({
      role: 'database',
      count: 1,
      ...shapeOf(databaseShape),
      azure: {
        kind: 'postgresql-flexible-server',
        skuName: sku.name,
        tier: sku.tier,
        storageGiB: azurePostgresStorageFor(databaseShape.diskGiB),
        highAvailability: input.highAvailability ? 'ZoneRedundant' : 'Disabled',
      },
    });
  } else if (database === 'dedicated-host') {
    machines.push({
      role: 'database',
      count: input.highAvailability ? 2 : 1,
      ...shapeOf(databaseShape),
    });
  }

  if (proxyCount > 0) {
    machines.push({
      role: 'proxy',
      count: proxyCount,
      ...shapeOf(PROXY_SHAPE),
      ...vm(PROXY_SHAPE, true),
    });
  }
  if (input.mobileDevices > 0) {
    const shape = input.mobileDevices > MDM_LARGE_ABOVE_DEVICES ? MDM_LARGE_SHAPE : MDM_SHAPE;
    machines.push({ role: 'mdm', count: 1, ...shapeOf(shape), ...vm(shape, false) });
  }
  return machines;
}

/** The tier's disk is a floor: a database that grows past it gets the disk its growth needs. */
function grownToHold(shape: Shape, growth: DatabaseGrowth): Shape {
  if (growth.diskGiB <= shape.diskGiB) return shape;
  return {
    ...shape,
    diskGiB: growth.diskGiB,
    source: `${shape.source}; disk ours: ${growth.diskGiB} GiB from the growth model (${growth.dataGiB} GiB of data at steady state)`,
  };
}

function shapeOf(shape: Shape) {
  return {
    cores: shape.cores,
    memoryGiB: shape.memoryGiB,
    diskGiB: shape.diskGiB,
    source: shape.source,
  };
}
