import { PropsError } from './props-error.js';

/** A private DNS zone name: lower case labels, at least two, e.g. 'smc.internal'. */
export function validateDnsZone(zone: string, field = 'dnsZone'): string {
  if (!/^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(zone)) {
    throw new PropsError(field, 'must be a lower-case DNS name such as smc.internal', zone);
  }
  return zone;
}
