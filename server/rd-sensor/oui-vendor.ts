import { createRequire } from 'node:module';

/**
 * The IEEE OUI registrant of a MAC's first three bytes, from the `oui-data` package (the IEEE
 * MA-L list as JSON, refreshed with each release). The table is 5 MB: loaded on the first
 * lookup, not at start. Its values are "Name\nStreet\nCity\nCountry": the name is the first
 * line. Locally administered addresses (a random MAC a phone or VM uses) have no registrant.
 */
let table: Readonly<Record<string, string>> | null = null;

export function vendorOf(mac: string): string | undefined {
  const prefix = mac.replaceAll(':', '').slice(0, 6).toUpperCase();
  if (prefix.length !== 6) return undefined;
  if ((Number.parseInt(prefix.slice(0, 2), 16) & 2) === 2) return undefined;
  table ??= createRequire(import.meta.url)('oui-data') as Record<string, string>;
  const entry = table[prefix];
  if (!entry) return undefined;
  const name = entry.split('\n')[0]?.trim().slice(0, 256);
  return name || undefined;
}
