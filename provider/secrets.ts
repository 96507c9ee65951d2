import { Password } from '@cdktf/provider-random/lib/password/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import type { Construct } from 'constructs';
import { ensureProvider } from './terraform-providers.js';

/**
 * A generated password (random_password: sensitive in state, never in outputs). Letters and
 * digits only, so it can sit in a connection URL without escaping.
 */
export function generatedPassword(scope: Construct, id: string, length = 32): string {
  ensureProvider(scope, 'random', (stack) => new RandomProvider(stack, 'random'));
  return new Password(scope, id, {
    length,
    special: false,
    minUpper: 2,
    minLower: 2,
    minNumeric: 2,
  }).result;
}
