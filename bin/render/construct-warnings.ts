import { AnnotationMetadataEntryType } from 'cdktf';
import type { IConstruct } from 'constructs';

/** The warnings constructs attached with `Annotations.of(x).addWarning` (cdktf's own channel). */
export function collectWarnings(root: IConstruct): string[] {
  return root.node
    .findAll()
    .flatMap((node) => node.node.metadata)
    .filter((entry) => entry.type === AnnotationMetadataEntryType.WARN)
    .map((entry) => String(entry.data));
}
