/**
 * Just enough DER (X.690) to read a PKCS#10 request and write an X.509 certificate: a reader
 * that walks tag-length-value elements without copying, and a writer that nests them. The
 * two structures are fixed and small; a general ASN.1 library spends milliseconds on
 * schema machinery per enrollment where this spends microseconds (see agent-signer.ts).
 */

/** One element: where its tag sits, where its content starts and ends. */
export interface DerElement {
  readonly tag: number;
  /** Offset of the tag byte (the element's first byte). */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the last content byte. */
  readonly end: number;
}

export class DerError extends Error {
  override readonly name = 'DerError';
}

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
  /** [0] constructed (EXPLICIT version, PKCS#10 attributes). */
  context0: 0xa0,
  /** [3] constructed (EXPLICIT extensions). */
  context3: 0xa3,
  /** [0] primitive (IMPLICIT keyIdentifier of authorityKeyIdentifier). */
  context0Primitive: 0x80,
} as const;

/** Reads the element at `offset`; throws DerError on anything malformed or out of bounds. */
export function readElement(der: Uint8Array, offset: number, limit = der.length): DerElement {
  if (offset + 2 > limit) throw new DerError('truncated element');
  const tag = der[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used here');
  let at = offset + 1;
  const first = der[at++] as number;
  let length: number;
  if (first < 0x80) length = first;
  else {
    const bytes = first & 0x7f;
    // Indefinite lengths are BER, not DER; more than 4 length bytes is never a real CSR.
    if (bytes === 0 || bytes > 4 || at + bytes > limit) throw new DerError('bad length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + (der[at++] as number);
    if (length < 0x80 || (bytes > 1 && length < 256 ** (bytes - 1)))
      throw new DerError('length not in its shortest form');
  }
  const end = at + length;
  if (end > limit) throw new DerError('element runs past its container');
  return { tag, start: offset, contentStart: at, end };
}

/** The children of a constructed element, in order. */
export function children(der: Uint8Array, parent: DerElement): DerElement[] {
  const list: DerElement[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readElement(der, at, parent.end);
    list.push(child);
    at = child.end;
  }
  return list;
}

/** Reads an element and checks its tag. */
export function expectTag(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (!element || element.tag !== tag) throw new DerError(`${what}: unexpected structure`);
  return element;
}

export const whole = (der: Uint8Array, e: DerElement): Uint8Array => der.subarray(e.start, e.end);
export const content = (der: Uint8Array, e: DerElement): Uint8Array =>
  der.subarray(e.contentStart, e.end);

// --- writing ---

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  if (n < 0x10000) return Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
}

/** One element with `parts` concatenated as its content. */
export function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const subidentifiers = [(arcs[0] as number) * 40 + (arcs[1] as number), ...arcs.slice(2)];
  const bytes: number[] = [];
  for (const value of subidentifiers) {
    const base128: number[] = [value & 0x7f];
    for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128))
      base128.unshift((rest & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(TAG.oid, Buffer.from(bytes));
}

/** A BIT STRING with no unused bits. */
export const bitString = (bytes: Uint8Array): Buffer => tlv(TAG.bitString, Buffer.from([0]), bytes);

/**
 * RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, both to the second in
 * UTC ("Z"), which is all X.509 allows.
 */
export function x509Time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-12-01T10:20:30.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, ''); // 20261201102030
  const year = date.getUTCFullYear();
  return year < 2050
    ? tlv(TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(TAG.generalizedTime, Buffer.from(`${digits}Z`, 'ascii'));
}

/** The dotted form of an OBJECT IDENTIFIER's content bytes. */
export function oidText(bytes: Uint8Array): string {
  const values: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      values.push(value);
      value = 0;
    } else if (i === bytes.length - 1) throw new DerError('object identifier ends mid-arc');
  }
  const first = values.shift();
  if (first === undefined) throw new DerError('empty object identifier');
  const top = Math.min(2, Math.floor(first / 40));
  return [top, first - top * 40, ...values].join('.');
}

/** PEM of DER with `label`, 64 characters a line. */
export function pemOf(der: Uint8Array, label: string): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * DER from a PEM block with exactly `label`, or null when it is not one. Base64 outside the
 * alphabet is refused rather than skipped (Node's decoder would skip it silently).
 */
export function derOfPem(pem: string, label: string): Buffer | null {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const from = pem.indexOf(begin);
  const to = pem.indexOf(end, from + begin.length);
  if (from === -1 || to === -1) return null;
  const body = pem.slice(from + begin.length, to).replace(/\s+/g, '');
  if (body.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0)
    return null;
  return Buffer.from(body, 'base64');
}
