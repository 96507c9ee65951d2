import { InvalidArgumentError, Option } from 'commander';
import { formatSeconds, parseDurationSeconds } from '../../sizing/index.js';

/**
 * Commander option parsers. They turn numeric-looking text into numbers and leave the rest
 * as typed, so the model's own validation names the field and the rule in one place.
 */
export function numberish(value: string): number | string {
  const plain = value.replaceAll('_', '');
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(plain) ? Number(plain) : value;
}

/** Whole seconds from `90s`, `10m`, `1h30m` or a bare number of seconds, within [min, max]. */
export function durationSecondsFlag(
  flag: string,
  bounds: { readonly min?: number; readonly max?: number } = {},
) {
  return (value: string): number => {
    let seconds: number;
    try {
      seconds = parseDurationSeconds(value, flag);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
    const { min, max } = bounds;
    if ((min !== undefined && seconds < min) || (max !== undefined && seconds > max)) {
      throw new InvalidArgumentError(
        `${flag}: must be from ${formatBound(min ?? 0)} to ${max === undefined ? 'any length' : formatBound(max)} (got ${JSON.stringify(value)})`,
      );
    }
    return seconds;
  };
}

/** A bound as people say it: whole days as `30d`, the rest as formatSeconds does. */
export function formatBound(seconds: number): string {
  return seconds >= 86_400 && seconds % 86_400 === 0
    ? `${seconds / 86_400}d`
    : formatSeconds(seconds);
}

/**
 * A time flag: takes durations (and the old bare seconds) and shows its default the way a
 * user types it (`10m`, not `600`), so help and examples speak one language.
 */
export function durationOption(
  flags: string,
  description: string,
  defaultSeconds?: number,
  bounds: { readonly min?: number; readonly max?: number } = {},
): Option {
  const flag = flags.split(' ')[0] as string;
  const option = new Option(flags, description).argParser(durationSecondsFlag(flag, bounds));
  return defaultSeconds === undefined
    ? option
    : option.default(defaultSeconds, formatSeconds(defaultSeconds));
}

export function portFlag(flag: string) {
  return (value: string): number => {
    const port = Number(value);
    if (!/^\d+$/.test(value) || port > 65_535) {
      throw new InvalidArgumentError(
        `${flag}: must be a port from 0 to 65535 (got ${JSON.stringify(value)})`,
      );
    }
    return port;
  };
}

export function positiveIntegerFlag(flag: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value.replaceAll('_', ''));
    if (!/^\d[\d_]*$/.test(value) || n < 1 || n > max) {
      throw new InvalidArgumentError(
        `${flag}: must be an integer from 1 to ${max.toLocaleString('en-US')} (got ${JSON.stringify(value)})`,
      );
    }
    return n;
  };
}

/** A number above 0, "/s" allowed at the end for rates ("50" or "50/s"). */
export function positiveNumberFlag(flag: string) {
  return (value: string): number => {
    const n = Number(value.replace(/\/s$/, '').replaceAll('_', ''));
    if (!(Number.isFinite(n) && n > 0)) {
      throw new InvalidArgumentError(
        `${flag}: must be a number above 0 (got ${JSON.stringify(value)})`,
      );
    }
    return n;
  };
}
