/**
 * Parsers for the simulator's flag values. Each throws a RangeError that starts with the
 * flag's name, so the CLI prints one line naming what to fix.
 */

/** `500`, `500/s`, `30000/m`: replications per second. */
export function parseRatePerSecond(text: string, field: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|m|min|h))?\s*$/.exec(text);
  const value = match ? Number(match[1]) : Number.NaN;
  if (!match || !(value > 0)) {
    throw new RangeError(
      `${field}: must be a rate above 0 such as 500/s or 30000/m (got ${JSON.stringify(text)})`,
    );
  }
  const per = match[2] === 'h' ? 3_600 : match[2] === 'm' || match[2] === 'min' ? 60 : 1;
  return value / per;
}

/** `2/4`: shard 2 of 4 (1-based). */
export function parseShard(text: string, field: string): { index: number; count: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !(count >= 1) || !(index >= 1) || index > count) {
    throw new RangeError(
      `${field}: must be i/n with 1 <= i <= n, e.g. 2/4 (got ${JSON.stringify(text)})`,
    );
  }
  return { index, count };
}

/** A whole number in [min, max]. */
export function parseWhole(text: string, field: string, min: number, max: number): number {
  const plain = text.trim().replaceAll('_', '').replaceAll(',', '');
  const value = /^\d+$/.test(plain) ? Number(plain) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${field}: must be a whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')} (got ${JSON.stringify(text)})`,
    );
  }
  return value;
}

/** A number in [min, max]; `%` suffix divides by 100 (`5%` = 0.05). */
export function parseNumberIn(
  text: string,
  field: string,
  min: number,
  max: number,
  percentAllowed = false,
): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(text);
  if (!match || (match[2] === '%' && !percentAllowed)) {
    throw new RangeError(
      `${field}: must be a number from ${min} to ${max}${percentAllowed ? ' (or a percentage)' : ''} (got ${JSON.stringify(text)})`,
    );
  }
  const value = Number(match[1]) / (match[2] === '%' ? 100 : 1);
  if (!(value >= min && value <= max)) {
    throw new RangeError(`${field}: must be from ${min} to ${max} (got ${JSON.stringify(text)})`);
  }
  return value;
}
