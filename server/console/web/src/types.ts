/**
 * Shapes of the console API answers the page reads. /api/stats has a TypeBox schema in
 * protocol/ (imported as a type only, so nothing of the server reaches the bundle); the
 * other answers are written out here from server/console/routes.ts.
 */
export type { StatsResponse } from '../../../../protocol/console-api.js';

export type Protection = 'ok' | 'warning' | 'critical';
export type OsFamily = 'windows' | 'macos' | 'linux';

export interface ComputerRow {
  agentId: string;
  hostname: string;
  osFamily: OsFamily;
  osName: string;
  protection: Protection;
  group: string;
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
  computer: Record<string, unknown> & { hostname: string; agent_id: string };
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
] as const;
