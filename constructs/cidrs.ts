import { isIPv4 } from 'node:net';
import { PropsError } from '../provider/props-error.js';

/** RFC 1918 private ranges: the default for agents, devices and administrators alike. */
export const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

const WHOLE_INTERNET = new Set(['0.0.0.0/0', '*', 'any', 'internet']);

export function isWholeInternet(cidr: string): boolean {
  return WHOLE_INTERNET.has(cidr.toLowerCase());
}

/** Checks a list of IPv4 CIDRs; `administrative` lists may not contain the whole internet. */
export function validateCidrs(
  field: string,
  cidrs: readonly string[],
  options: { administrative: boolean },
): readonly string[] {
  if (!Array.isArray(cidrs) || cidrs.length === 0) {
    throw new PropsError(field, 'must list at least one IPv4 CIDR', cidrs);
  }
  cidrs.forEach((cidr, i) => {
    if (options.administrative && isWholeInternet(cidr)) {
      throw new PropsError(
        `${field}[${i}]`,
        'must not be the whole internet: SSH, the console and PostgreSQL stay private; list your admin networks or a bastion',
        cidr,
      );
    }
    const [ip, bits, extra] = String(cidr).split('/');
    const prefix = Number(bits);
    if (
      !ip ||
      !isIPv4(ip) ||
      extra !== undefined ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > 32
    ) {
      throw new PropsError(`${field}[${i}]`, 'must be an IPv4 CIDR such as 10.0.0.0/8', cidr);
    }
  });
  return cidrs;
}
