import { InvalidArgumentError } from 'commander';
import { parseDurationSeconds } from '../../sizing/index.js';

/**
 * Commander option parsers. They turn numeric-looking text into numbers and leave the rest
 * as typed, so the model's own validation names the field and the rule in one place.
 */
export function numberish(value: string): number | string {
  const plain = value.replaceAll('_', '');
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(plain) ? Number(plain) : value;
}

export function durationSecondsFlag(flag: string) {
  return (value: string): number => {
    try {
      return parseDurationSeconds(value, flag);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
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
