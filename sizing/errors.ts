/**
 * Raised for any input the sizing model refuses. `field` names the input, `rule` says what
 * it must satisfy, so a CLI or a construct can show one precise line.
 */
export class SizingInputError extends Error {
  override readonly name = 'SizingInputError';

  constructor(
    readonly field: string,
    readonly rule: string,
    readonly received: unknown,
  ) {
    super(`${field}: ${rule} (got ${describe(received)})`);
  }

  /** The same sentence with another name for the field, e.g. the CLI flag the user typed. */
  messageFor(label: string): string {
    return `${label}: ${this.rule} (got ${describe(this.received)})`;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return typeof value;
}
