import type { SizingPlan } from '../sizing/index.js';
import { PASS_HEADROOM } from './carrying.js';

/** ours: plan a machine to run at 70 % of its CPU (the load governor's own target). */
export const PROJECTION_UTILISATION = 0.7;

/**
 * A projection of the measured CPU per replication onto the plan's machines. A projection,
 * not a measurement: it assumes a core of the plan's machines is as fast as this machine's
 * and that CPU is what runs out (not disk, network or locks).
 */
export interface Projection {
  readonly kind: 'projection';
  readonly model: string;
  readonly measuredOn: string;
  readonly serverCpuMsPerReplication: number;
  readonly databaseCpuMsPerReplication: number;
  readonly server: {
    readonly machines: number;
    readonly coresUsed: number;
    readonly limitPerSecond: number;
  };
  readonly database: { readonly cores: number; readonly limitPerSecond: number };
  /** The smaller of the two limits. */
  readonly ratePerSecond: number;
  readonly limitedBy: 'server' | 'database';
  /** Clients that rate carries at the plan's interval with the pass headroom. */
  readonly clientsAtPlanInterval: number;
}

export function projectOntoPlan(
  plan: SizingPlan,
  measured: { serverCpuMs: number; databaseCpuMs: number; cpuModel: string },
): Projection | null {
  if (!(measured.serverCpuMs > 0) || !(measured.databaseCpuMs > 0)) return null;
  const server = plan.machines.find((m) => m.role === 'server');
  const database = plan.machines.find((m) => m.role === 'database');
  const servers = plan.placement.serverCount;
  // smc serve is one Node process: its event loop (JSON, TLS, the group commit) is one core,
  // however many the machine has. More servers behind a load balancer add up.
  const coresUsed = Math.min(1, server?.cores ?? 1);
  // With the database on the server's box it gets the cores the server does not use.
  const databaseCores =
    plan.placement.database === 'server-host'
      ? Math.max(1, (server?.cores ?? 2) - coresUsed)
      : (database?.cores ?? 1);
  const serverLimit = (servers * coresUsed * PROJECTION_UTILISATION * 1_000) / measured.serverCpuMs;
  const databaseLimit = (databaseCores * PROJECTION_UTILISATION * 1_000) / measured.databaseCpuMs;
  const ratePerSecond = Math.min(serverLimit, databaseLimit);
  return {
    kind: 'projection',
    model: `rate = cores x ${PROJECTION_UTILISATION * 100} % / CPU per replication, for the server (${servers} x one core: one Node process each) and the database (${databaseCores} cores); a core as fast as this machine's, CPU the only limit`,
    measuredOn: measured.cpuModel,
    serverCpuMsPerReplication: measured.serverCpuMs,
    databaseCpuMsPerReplication: measured.databaseCpuMs,
    server: { machines: servers, coresUsed, limitPerSecond: serverLimit },
    database: { cores: databaseCores, limitPerSecond: databaseLimit },
    ratePerSecond,
    limitedBy: serverLimit <= databaseLimit ? 'server' : 'database',
    clientsAtPlanInterval: Math.floor(
      (ratePerSecond * plan.replication.intervalSeconds) / PASS_HEADROOM,
    ),
  };
}
