/**
 * The content of every stored log, hashed (protocol/log-content.ts) by the insert itself: a
 * resend under a used seq with other content (an identity reused, a VM snapshot restored) is
 * caught instead of taken for a harmless resend, and `/api/log-audit` answers a digest of what
 * is stored so `smc simulate --verify` compares content, not row counts. Rows stored before
 * this migration keep NULL (their sent text is gone) and count as matching.
 */
export const sql = `
ALTER TABLE logs ADD COLUMN content_hash bytea;
`;
