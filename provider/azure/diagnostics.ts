import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting/index.js';
import type { Construct } from 'constructs';

/** Sends a resource's logs (all categories) and, where it has them, metrics to the workspace. */
export function diagnosticSetting(
  scope: Construct,
  id: string,
  targetResourceId: string,
  workspaceId: string,
  options: { logs: boolean; metrics: boolean },
): MonitorDiagnosticSetting {
  return new MonitorDiagnosticSetting(scope, id, {
    name: 'smc-diagnostics',
    targetResourceId,
    logAnalyticsWorkspaceId: workspaceId,
    ...(options.logs ? { enabledLog: [{ categoryGroup: 'allLogs' }] } : {}),
    ...(options.metrics ? { enabledMetric: [{ category: 'AllMetrics' }] } : {}),
  });
}
