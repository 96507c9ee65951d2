import { createHash } from 'node:crypto';
import type { LogEntry } from './agent-plane.js';

/**
 * The content of a stored log, as both ends compute it, so a resend with other content under
 * a used seq is caught, and a checker (`smc simulate --verify`) compares what is stored with
 * what was sent instead of counting rows.
 *
 * The text hashed is `seq \n type \n time \n data`, where time is the text sent and data is
 * `JSON.stringify(data)`: the server hands PostgreSQL exactly that JSON text (a `json` value
 * keeps its text) and PostgreSQL hashes it in the insert (server/ingest/flush-batch.ts), so
 * no server CPU is spent. An agent hashes the same text from the log it built.
 */
export function logContentText(log: Pick<LogEntry, 'seq' | 'type' | 'time' | 'data'>): string {
  return `${log.seq}\n${log.type}\n${log.time}\n${JSON.stringify(log.data)}`;
}

/** SHA-256 of logContentText. */
export function logContentHash(log: Pick<LogEntry, 'seq' | 'type' | 'time' | 'data'>): Buffer {
  return createHash('sha256').update(logContentText(log), 'utf8').digest();
}

/**
 * An order-free digest of many logs: the XOR of the first 8 bytes of each content hash (the
 * seq is in the hashed text, so equal data under two seqs does not cancel). Kept as two 32-bit
 * halves so adding a log allocates nothing. `/api/log-audit` answers the same digest for the
 * stored rows of a seq range.
 */
export class LogDigest {
  private high = 0;
  private low = 0;

  add(contentHash: Uint8Array): void {
    this.high = (this.high ^ readUint32(contentHash, 0)) >>> 0;
    this.low = (this.low ^ readUint32(contentHash, 4)) >>> 0;
  }

  /** 16 lower-case hex digits; all zeros for no logs. */
  toHex(): string {
    return this.high.toString(16).padStart(8, '0') + this.low.toString(16).padStart(8, '0');
  }
}

function readUint32(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number)) >>>
    0
  );
}
