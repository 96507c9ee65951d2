/**
 * Raised when a construct or platform prop breaks a rule. `field` is the prop's path (e.g.
 * `database.sku`), `rule` says what it must satisfy; the message reads as one actionable line.
 */
export class PropsError extends Error {
  override readonly name = 'PropsError';

  constructor(
    readonly field: string,
    readonly rule: string,
    readonly received?: unknown,
  ) {
    super(`${field}: ${rule}${received === undefined ? '' : ` (got ${describe(received)})`}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value;
}
