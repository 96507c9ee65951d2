import type { TerraformJson } from './terraform-json.js';

export interface PolicyViolation {
  readonly ruleId: string;
  /** Terraform address and construct path of the offending resource. */
  readonly path: string;
  readonly message: string;
}

export interface PolicyRule {
  /** Our id, stable. */
  readonly id: string;
  readonly title: string;
  /** Checkov (CKV_...) and Trivy (AVD-...) checks whose intent this rule covers. */
  readonly covers: readonly string[];
  /** Which platform's resources it reads; a rule with nothing to read passes. */
  readonly platforms: readonly ('azure' | 'vms' | 'kubernetes')[];
  check(doc: TerraformJson): PolicyViolation[];
}
