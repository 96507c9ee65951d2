import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { agentIdFromPeerCertificate } from '../../../server/pki/index.js';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

function peerWithSubject(subject: unknown): PeerCertificate {
  return { subject } as PeerCertificate;
}

describe('agentIdFromPeerCertificate', () => {
  it('returns a lower-case UUID common name', () => {
    expect(agentIdFromPeerCertificate(peerWithSubject({ CN: ID }))).toBe(ID);
  });

  it.each([
    ['no certificate (getPeerCertificate() gives {})', {} as PeerCertificate],
    ['no common name', peerWithSubject({ O: 'smc' })],
    ['an upper-case UUID', peerWithSubject({ CN: ID.toUpperCase() })],
    ['a UUID with extra text', peerWithSubject({ CN: `${ID} ` })],
    ['a host name', peerWithSubject({ CN: 'localhost' })],
    ['several common names', peerWithSubject({ CN: [ID, ID] })],
  ])('returns null for %s', (_label, certificate) => {
    expect(agentIdFromPeerCertificate(certificate)).toBeNull();
  });
});
