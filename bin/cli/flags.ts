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
