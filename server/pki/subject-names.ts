import { isIP } from 'node:net';

/** The names a server certificate must answer to, normalised and without duplicates. */
export interface SubjectNames {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const MAX_DNS_NAME = 253;

/**
 * Validates and normalises the host names and IP addresses a server certificate must cover.
 * A "host name" that is an IP literal (e.g. `--hostname 10.0.0.5`) becomes an IP SAN, since
 * TLS clients match IP literals only against IP SANs. Throws RangeError naming the field.
 */
export function normalizeSubjectNames(
  hostnames: readonly string[],
  ipAddresses: readonly string[],
): SubjectNames {
  if (!Array.isArray(hostnames)) throw new RangeError('hostnames: must be an array of host names');
  if (!Array.isArray(ipAddresses)) {
    throw new RangeError('ipAddresses: must be an array of IP addresses');
  }
  const dns = new Set<string>();
  const ips = new Set<string>();
  hostnames.forEach((value, index) => {
    const field = `hostnames[${index}]`;
    if (typeof value !== 'string') throw new RangeError(`${field}: must be a string`);
    const ip = canonicalIp(value);
    if (ip !== null) ips.add(ip);
    else dns.add(canonicalDnsName(value, field));
  });
  ipAddresses.forEach((value, index) => {
    const field = `ipAddresses[${index}]`;
    const ip = typeof value === 'string' ? canonicalIp(value) : null;
    if (ip === null)
      throw new RangeError(`${field}: ${JSON.stringify(value)} is not an IP address`);
    ips.add(ip);
  });
  if (dns.size === 0 && ips.size === 0) {
    throw new RangeError(
      'hostnames: give at least one host name or IP address for the certificate',
    );
  }
  return { dnsNames: [...dns], ipAddresses: [...ips] };
}

function canonicalDnsName(value: string, field: string): string {
  const name = value.toLowerCase().replace(/\.$/, '');
  const valid =
    name.length > 0 &&
    name.length <= MAX_DNS_NAME &&
    name.split('.').every((label) => DNS_LABEL.test(label));
  if (!valid) {
    throw new RangeError(
      `${field}: ${JSON.stringify(value)} is not a host name (letters, digits, '-' and '.'; no wildcards)`,
    );
  }
  return name;
}

/**
 * IPv4 stays as typed; IPv6 takes the WHATWG URL form (lower case, compressed, IPv4-mapped
 * tails in hex) so the same address is never listed twice. Zone ids (`fe80::1%eth0`) cannot
 * appear in a certificate and are refused (the URL parser rejects them).
 */
function canonicalIp(value: string): string | null {
  const version = isIP(value);
  if (version === 4) return value;
  if (version !== 6) return null;
  try {
    return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}
