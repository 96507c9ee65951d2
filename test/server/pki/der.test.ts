import { describe, expect, it } from 'vitest';
import {
  DerError,
  oid,
  oidText,
  readElement,
  TAG,
  tlv,
  x509Time,
} from '../../../server/pki/der.js';

describe('der', () => {
  it('writes and reads object identifiers, multi-byte arcs included', () => {
    for (const dotted of ['2.5.29.19', '1.2.840.10045.4.3.2', '1.3.6.1.5.5.7.3.2', '2.999.1']) {
      const element = oid(dotted);
      const read = readElement(element, 0);
      expect(read.tag).toBe(TAG.oid);
      expect(oidText(element.subarray(read.contentStart, read.end))).toBe(dotted);
    }
  });

  it('reads long lengths and refuses what DER forbids', () => {
    const long = tlv(TAG.octetString, Buffer.alloc(300));
    expect(readElement(long, 0).end).toBe(long.length);
    // 0x81 0x05: a length under 128 in long form is BER, not DER.
    expect(() => readElement(Buffer.from([0x04, 0x81, 0x05, 1, 2, 3, 4, 5]), 0)).toThrow(DerError);
    // Indefinite length.
    expect(() => readElement(Buffer.from([0x30, 0x80, 0, 0]), 0)).toThrow(DerError);
    // Content past the end.
    expect(() => readElement(Buffer.from([0x04, 0x05, 1]), 0)).toThrow(DerError);
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280)', () => {
    expect(x509Time(new Date('2049-12-31T23:59:59Z')).toString('latin1')).toBe(
      '\u0017\r491231235959Z',
    );
    expect(x509Time(new Date('2050-01-01T00:00:00Z')).toString('latin1')).toBe(
      '\u0018\u000f20500101000000Z',
    );
  });
});
