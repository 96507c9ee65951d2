/**
 * ISO 8601 times in UTC as PostgreSQL stores them exactly (`timestamptz`, microseconds): a
 * calendar date that exists (month 01-12, the month's own last day, 29 February only in
 * Gregorian leap years), years 0001-9999, hours 00-23 and seconds 00-59. A leap second
 * (`23:59:60`) is refused: PostgreSQL would roll it into the next minute (9999-12-31T23:59:60Z
 * became year 10000), so what is stored would not be what was sent. Up to 6 fraction digits,
 * PostgreSQL's resolution. One regular expression, so the schema alone is the contract and any
 * JSON Schema validator (ajv here, TypeBox in the simulator) enforces it.
 */
const DAY_OF_MONTH =
  '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))';
// Divisible by 4 but not by 100, or divisible by 400.
const LEAP_DAY = '(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29';
const TIME_OF_DAY = '(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,6})?';

export const UTC_TIME_PATTERN = `^(?!0000)(?:\\d{4}-${DAY_OF_MONTH}|${LEAP_DAY})T${TIME_OF_DAY}Z$`;

const UTC_TIME = new RegExp(UTC_TIME_PATTERN);

/** True when `text` is a time the protocol accepts (see UTC_TIME_PATTERN). */
export function isUtcTime(text: string): boolean {
  return UTC_TIME.test(text);
}
