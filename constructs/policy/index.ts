import { CITUS_RULES } from './citus-rules.js';
import { COMPUTE_RULES } from './compute-rules.js';
import { DATA_RULES } from './data-rules.js';
import { NETWORK_RULES } from './network-rules.js';
import type { PolicyRule, PolicyViolation } from './rule.js';
import type { TerraformJson } from './terraform-json.js';
import { WORKLOAD_RULES } from './workload-rules.js';

export type { PolicyRule, PolicyViolation } from './rule.js';
export type { TerraformJson } from './terraform-json.js';

/**
 * Security and correctness checks over synthesized Terraform JSON, standing in for
 * `terraform validate` plus Checkov/Trivy where no provider can be downloaded. Each rule names
 * the scanner checks whose intent it covers.
 */
export const POLICY_RULES: readonly PolicyRule[] = [
  ...NETWORK_RULES,
  ...COMPUTE_RULES,
  ...DATA_RULES,
  ...CITUS_RULES,
  ...WORKLOAD_RULES,
];

export function evaluatePolicy(
  doc: TerraformJson,
  rules: readonly PolicyRule[] = POLICY_RULES,
): PolicyViolation[] {
  return rules.flatMap((rule) => rule.check(doc));
}

export function formatViolations(violations: readonly PolicyViolation[]): string {
  return violations.map((v) => `${v.ruleId}: ${v.path}: ${v.message}`).join('\n');
}
