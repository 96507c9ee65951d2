/**
 * At most `max` requests in flight per peer (an agent id). A real agent has one replication in
 * flight; a peer that keeps dozens open only queues work the group commit takes one per batch
 * anyway, so past the bound it is told to come back (429 + Retry-After) before its body is read.
 */
export class InFlightLimit {
  private readonly counts = new Map<string, number>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`max: must be a whole number from 1 (got ${max})`);
  }

  tryAcquire(peer: string): boolean {
    const now = this.counts.get(peer) ?? 0;
    if (now >= this.max) return false;
    this.counts.set(peer, now + 1);
    return true;
  }

  release(peer: string): void {
    const now = (this.counts.get(peer) ?? 1) - 1;
    if (now > 0) this.counts.set(peer, now);
    else this.counts.delete(peer);
  }
}
