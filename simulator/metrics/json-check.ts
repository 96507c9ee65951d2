/**
 * Small checks for JSON read from files or handed over by other code. Each throws a
 * RangeError naming the field path and the rule, e.g. `run.json: meta.agents: must be ...`.
 */
export type Fields = Record<string, unknown>;

export function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectAt(value: unknown, field: string): Fields {
  if (!isObject(value)) throw new RangeError(`${field}: must be an object`);
  return value;
}

export function arrayAt(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new RangeError(`${field}: must be an array`);
  return value;
}

export function stringAt(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new RangeError(`${field}: must be a string`);
  return value;
}

export function numberAt(value: unknown, field: string, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    const rule = min === -Infinity ? 'a finite number' : `a number >= ${min}`;
    throw new RangeError(`${field}: must be ${rule} (got ${JSON.stringify(value)})`);
  }
  return value;
}

export function integerAt(value: unknown, field: string, min = 0): number {
  if (!Number.isInteger(value) || (value as number) < min) {
    throw new RangeError(`${field}: must be an integer >= ${min} (got ${JSON.stringify(value)})`);
  }
  return value as number;
}

export function isoTimeAt(value: unknown, field: string): string {
  const text = stringAt(value, field);
  if (Number.isNaN(Date.parse(text))) {
    throw new RangeError(`${field}: must be an ISO 8601 time (got ${JSON.stringify(text)})`);
  }
  return text;
}

export function numberRecordAt(value: unknown, field: string): Record<string, number> {
  const record = objectAt(value, field);
  for (const [key, v] of Object.entries(record)) numberAt(v, `${field}.${key}`);
  return record as Record<string, number>;
}
