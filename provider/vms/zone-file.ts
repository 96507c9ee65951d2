import type { DnsRecord } from '../platform.js';

/** Records collected for a zone and rendered in BIND syntax, in the order they were added. */
export class ZoneFile {
  private readonly records: DnsRecord[] = [];

  constructor(readonly zone: string) {}

  add(record: DnsRecord): void {
    this.records.push(record);
  }

  /** Every A record as name/address pairs (a name with two addresses appears twice). */
  addresses(): { name: string; address: string }[] {
    return this.records.flatMap((record) =>
      record.kind === 'A'
        ? record.addresses.map((address) => ({ name: record.name, address }))
        : [],
    );
  }

  render(): string {
    const lines = [`$ORIGIN ${this.zone}.`, '$TTL 300'];
    for (const record of this.records) {
      if (record.kind === 'A') {
        for (const address of record.addresses) lines.push(`${record.name} IN A ${address}`);
      } else {
        for (const t of record.targets) {
          lines.push(`${record.name} IN SRV ${t.priority} ${t.weight} ${t.port} ${t.host}.`);
        }
      }
    }
    return `${lines.join('\n')}\n`;
  }
}
