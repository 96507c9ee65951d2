import { type IAspect, TerraformResource } from 'cdktf';
import type { IConstruct } from 'constructs';
import { PropsError } from '../../provider/props-error.js';

/** Azure's limits: 50 tags, names up to 512 characters without <>%&\?/, values up to 256. */
export function validateTags(
  tags: Readonly<Record<string, string>>,
  field = 'tags',
): Readonly<Record<string, string>> {
  const entries = Object.entries(tags);
  if (entries.length > 50) throw new PropsError(field, 'must hold at most 50 tags', entries.length);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > 512 || /[<>%&\\?/]/.test(key)) {
      throw new PropsError(
        `${field}.${key}`,
        'must be a name of 1 to 512 characters without < > % & \\ ? /',
      );
    }
    if (typeof value !== 'string' || value.length > 256) {
      throw new PropsError(`${field}.${key}`, 'must be a string of at most 256 characters', value);
    }
  }
  return tags;
}

interface Taggable {
  tags: Record<string, string> | undefined;
  readonly tagsInput?: Record<string, string> | undefined;
}

/**
 * Puts the tags on every resource that takes them (azurerm resources whose schema has `tags`);
 * a resource's own tags win over the deployment's. Resources without tags are left alone.
 */
export class TaggingAspect implements IAspect {
  constructor(private readonly tags: Readonly<Record<string, string>>) {
    validateTags(tags);
  }

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource) || !('tags' in node)) return;
    const taggable = node as unknown as Taggable;
    taggable.tags = { ...this.tags, ...(taggable.tagsInput ?? {}) };
  }
}
