import { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';

/**
 * Providers are configured once per stack, whichever construct asks first. The id is fixed
 * so the synthesized JSON stays stable no matter which role needed the provider.
 */
export function ensureProvider(
  scope: Construct,
  id: string,
  create: (stack: TerraformStack) => void,
) {
  const stack = TerraformStack.of(scope);
  if (!stack.node.tryFindChild(id)) create(stack);
}
