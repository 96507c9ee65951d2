const DAY_MS = 24 * 60 * 60 * 1000;

/** Agent CA lifetime: long, because replacing it means every agent re-enrolls. */
export const CA_VALIDITY_DAYS = 3_652;
/** Leaf lifetime: 397 days is the public-web ceiling, which clients widely enforce. */
export const LEAF_VALIDITY_DAYS = 397;
/** A server certificate this close to its end is re-issued at start. */
export const SERVER_RENEW_BEFORE_DAYS = 30;
/** Largest `validityDays` an agent certificate may be given (the CA's own lifetime). */
export const MAX_AGENT_VALIDITY_DAYS = CA_VALIDITY_DAYS;

/**
 * Starts a few minutes in the past so a peer whose clock runs slightly behind still accepts a
 * certificate issued just now; the span stays exactly `days` long.
 */
const BACKDATE_MS = 5 * 60 * 1000;

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export function validityFromNow(days: number, now: Date = new Date()): Validity {
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * DAY_MS) };
}

export function daysUntil(date: Date, now: Date = new Date()): number {
  return (date.getTime() - now.getTime()) / DAY_MS;
}
