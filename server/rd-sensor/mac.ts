/**
 * MAC addresses as the server stores and matches them: six lower-case hex pairs joined by
 * colons. Whatever a capture or the kernel gives (upper case, dashes, dots) is normalised here;
 * addresses that name no machine (all zeros, broadcast, multicast) are dropped.
 */
export function normaliseMac(text: string): string | null {
  const hex = text.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12 || !/^[0-9a-f:.\-\s]+$/i.test(text)) return null;
  if (hex === '000000000000') return null;
  // The group bit (the first byte's lowest) is set for broadcast and multicast.
  if ((Number.parseInt(hex.slice(0, 2), 16) & 1) === 1) return null;
  return hex.match(/../g)?.join(':') ?? null;
}

/** A MAC from six bytes (a BOOTP chaddr, an ARP sender). */
export function macOfBytes(bytes: Uint8Array): string | null {
  if (bytes.length < 6) return null;
  return normaliseMac(Buffer.from(bytes.subarray(0, 6)).toString('hex'));
}
