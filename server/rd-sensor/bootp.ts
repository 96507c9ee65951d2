import { macOfBytes } from './mac.js';

/**
 * What a DHCP client's broadcast says about it (RFC 2131 / 2132): the hardware address
 * (chaddr), the address it has (ciaddr) or asks for (option 50), and its host name (option 12).
 * Packets from the network are hostile: every length is checked, an unparsable option ends the
 * walk, and only well-formed host names are kept.
 */
export interface DhcpClientSighting {
  readonly mac: string;
  readonly ip?: string;
  readonly hostname?: string;
}

const BOOTREQUEST = 1;
const HTYPE_ETHERNET = 1;
const MAGIC_COOKIE = 0x63825363;
const OPTIONS_AT = 240;
const HOSTNAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/;

export function parseDhcpClientPacket(packet: Buffer): DhcpClientSighting | null {
  if (packet.length < OPTIONS_AT) return null;
  if (packet[0] !== BOOTREQUEST || packet[1] !== HTYPE_ETHERNET || packet[2] !== 6) return null;
  if (packet.readUInt32BE(236) !== MAGIC_COOKIE) return null;
  const mac = macOfBytes(packet.subarray(28, 34));
  if (!mac) return null;
  let ip = dottedQuad(packet.subarray(12, 16));
  let hostname: string | undefined;
  for (let at = OPTIONS_AT; at < packet.length; ) {
    const code = packet[at] as number;
    if (code === 255) break;
    if (code === 0) {
      at += 1;
      continue;
    }
    const length = packet[at + 1];
    if (length === undefined || at + 2 + length > packet.length) break;
    const value = packet.subarray(at + 2, at + 2 + length);
    if (code === 12) {
      const name = value.toString('latin1');
      if (HOSTNAME_PATTERN.test(name)) hostname = name;
    } else if (code === 50 && length === 4 && !ip) {
      ip = dottedQuad(value);
    }
    at += 2 + length;
  }
  return { mac, ...(ip ? { ip } : {}), ...(hostname ? { hostname } : {}) };
}

/** A usable IPv4 from four bytes; 0.0.0.0 (no address yet) and broadcast are none. */
function dottedQuad(bytes: Buffer): string | undefined {
  if (bytes.length !== 4) return undefined;
  const text = [...bytes].join('.');
  return text === '0.0.0.0' || text === '255.255.255.255' ? undefined : text;
}

/** A DHCPDISCOVER as a client sends it (tests and probes play clients with it). */
export function dhcpDiscover(mac: string, hostname?: string): Buffer {
  const name = hostname ? Buffer.from(hostname, 'latin1') : Buffer.alloc(0);
  const packet = Buffer.alloc(OPTIONS_AT + 3 + (name.length ? 2 + name.length : 0) + 1);
  packet[0] = BOOTREQUEST;
  packet[1] = HTYPE_ETHERNET;
  packet[2] = 6;
  packet.writeUInt32BE(Math.floor(Math.random() * 0xffffffff), 4);
  packet.writeUInt16BE(0x8000, 10); // broadcast flag
  Buffer.from(mac.replaceAll(':', ''), 'hex').copy(packet, 28);
  packet.writeUInt32BE(MAGIC_COOKIE, 236);
  let at = OPTIONS_AT;
  packet.set([53, 1, 1], at); // DHCP message type: DISCOVER
  at += 3;
  if (name.length) {
    packet[at] = 12;
    packet[at + 1] = name.length;
    name.copy(packet, at + 2);
    at += 2 + name.length;
  }
  packet[at] = 255;
  return packet;
}
