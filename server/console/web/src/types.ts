/**
 * Shapes of the console API answers the page reads. /api/stats has a TypeBox schema in
 * protocol/ (imported as a type only, so nothing of the server reaches the bundle); the
 * other answers are written out here from server/console/routes.ts.
 */
export type { StatsResponse } from '../../../../protocol/console-api.js';
export type { RehearsalUpdate } from '../../../../protocol/rehearsal.js';

import type { JsonSchema } from './schema-form.js';

export type Protection = 'ok' | 'warning' | 'critical';
export type OsFamily = 'windows' | 'macos' | 'linux';

export interface ComputerRow {
  agentId: string;
  hostname: string;
  osFamily: OsFamily;
  osName: string;
  protection: Protection;
  group: string;
  agentVersion: string;
  /** What the agent's inventory reports as its first interface's IPv4 (null before one). */
  ip: string | null;
  lastSeen: string | null;
  logsThrough: number | null;
  cloneQuestion: boolean;
}

export interface ComputerPage {
  total: number;
  page: number;
  pageSize: number;
  items: ComputerRow[];
}

export interface ComputerDetail {
  computer: Record<string, unknown> & {
    hostname: string;
    agent_id: string;
    protection: Protection;
  };
  /** Why protection is not ok, as far as the server can tell (empty when ok). */
  protectionReasons: string[];
  openClone: { id: string; createdAt: string; newFingerprint: string } | null;
  inventory: { hash: string; hardware: unknown; software: unknown; updated_at: string } | null;
  latestLogs: { seq: number | string; type: string; time: string; data: unknown }[];
}

export interface TaskCounts {
  id: string;
  type: string;
  createdAt: string;
  pending: number;
  delivered: number;
  done: number;
  failed: number;
}

export interface PolicyAnswer {
  version: number;
  settings: Record<string, unknown>;
  updatedAt: string | null;
}

export interface CloneQuestion {
  id: string;
  agentId: string;
  hostname: string;
  createdAt: string;
  resolution: string | null;
}

export const TASK_TYPES = [
  'on-demand-scan',
  'modules-update',
  'software-install',
  'run-command',
  'inventory-refresh',
  'upgrade-agent',
] as const;

/** GET /api/agent-versions: the version mix while an upgrade rolls out. */
export interface AgentVersionCount {
  version: string | null;
  computers: number;
  simulated: number;
}

export interface FormSchemas {
  policy: JsonSchema;
  tasks: Record<string, JsonSchema>;
}

export interface FleetSample {
  at: number;
  windowSeconds: number;
  replicationsPerSecond: number;
  shedPerSecond: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  queueDepth: number;
}

export interface SeriesAnswer {
  sampleEveryMs: number;
  samples: FleetSample[];
}

export interface LogRow {
  agentId: string;
  hostname: string;
  seq: string;
  type: string;
  time: string;
  data: Record<string, unknown>;
}

export interface LogPage {
  page: number;
  pageSize: number;
  more: boolean;
  items: LogRow[];
}

export interface AuditRow {
  id: string;
  at: string;
  method: string;
  route: string;
  path: string;
  status: number;
  remote: string;
  summary: Record<string, unknown>;
}

export interface AuditPage {
  total: number;
  page: number;
  pageSize: number;
  items: AuditRow[];
}

export interface Trends {
  days: number;
  detectionsPerDay: { day: string; count: number }[];
  enrolledPerDay: { day: string; count: number }[];
  offline: { at: number; offline: number; total: number }[];
}

/** The guide's four answers to a clone question, with what each does. */
export const CLONE_ANSWERS = [
  ['match-existing', 'Always match the existing computer', 'VDI / clones that share one record'],
  ['create-new', 'Always create a new computer', 'every clone becomes its own computer'],
  ['create-new-once', 'Create a new computer this once', 'a one-off copy of this machine'],
  ['accept-hardware-change', 'Accept the hardware change', 'the same machine with new hardware'],
] as const;
