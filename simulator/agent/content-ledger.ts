import { LogDigest } from '../../protocol/index.js';

/** One run of acknowledged seqs whose content this agent knows: from..through, and their digest. */
export interface LedgerSegment {
  readonly from: number;
  through: number;
  readonly digest: LogDigest;
  /** Acknowledged seqs in the range this run did not see the content of (should stay 0). */
  unseen: number;
}

/**
 * What a virtual agent had acknowledged, by content, for `--verify`: the digest
 * (protocol/log-content.ts) of every log the server acknowledged, per run of seqs. A resync
 * (the server holds some seqs with other content: an identity reused from another run) closes
 * the run and starts the next at the seq the server gave; the audit then asks the server for
 * the digest of each run and compares, so a stored log whose content differs is caught even
 * when the row count is right.
 */
export class ContentLedger {
  readonly segments: LedgerSegment[] = [
    { from: 1, through: 0, digest: new LogDigest(), unseen: 0 },
  ];

  /** Seqs (previous, through] were acknowledged; `hashes` has the content hash of those sent. */
  acknowledged(previous: number, through: number, hashes: ReadonlyMap<number, Uint8Array>): void {
    const segment = this.segments[this.segments.length - 1] as LedgerSegment;
    for (let seq = Math.max(previous, segment.from - 1) + 1; seq <= through; seq++) {
      const hash = hashes.get(seq);
      if (hash) segment.digest.add(hash);
      else segment.unseen += 1;
    }
    if (through > segment.through) segment.through = through;
  }

  /** The server's numbering continues at `nextSeq`: later acknowledgements are a new run. */
  restartAt(nextSeq: number): void {
    const last = this.segments[this.segments.length - 1] as LedgerSegment;
    if (last.through < last.from) this.segments.pop();
    this.segments.push({ from: nextSeq, through: nextSeq - 1, digest: new LogDigest(), unseen: 0 });
  }

  /** Runs with at least one acknowledged log. */
  get filled(): readonly LedgerSegment[] {
    return this.segments.filter((s) => s.through >= s.from);
  }
}
