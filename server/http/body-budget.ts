/**
 * A bound on the memory request bodies hold in one listener: the bytes of bodies being read,
 * then the estimated size of each parsed body until its answer has left. Every request holds a
 * ticket; a body that would take the total past the limit is refused (503 + Retry-After) as it
 * streams in, whatever its headers claim. The queue bound of group commit only counts what
 * waits; this counts everything a body costs from its first byte to its answer.
 */
export class BodyBudget {
  private used = 0;
  private peakUsed = 0;
  private refusals = 0;

  constructor(readonly limitBytes: number) {
    if (!Number.isFinite(limitBytes) || limitBytes <= 0)
      throw new RangeError(`limitBytes: must be a positive number of bytes (got ${limitBytes})`);
  }

  /** Bytes held right now. */
  get inUse(): number {
    return this.used;
  }

  /** Most bytes held at once since start (what the RSS bound is stated on). */
  get peak(): number {
    return this.peakUsed;
  }

  /** Bodies refused because the budget was full (each answered 503 + Retry-After). */
  get refused(): number {
    return this.refusals;
  }

  ticket(): BodyTicket {
    return new BodyTicket(this);
  }

  /** @internal used by tickets */
  take(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) {
      this.refusals += 1;
      return false;
    }
    this.used += bytes;
    if (this.used > this.peakUsed) this.peakUsed = this.used;
    return true;
  }

  /** @internal used by tickets */
  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/** One request's share of the budget; released once, when its answer has left. */
export class BodyTicket {
  private held = 0;
  private released = false;

  constructor(private readonly budget: BodyBudget) {}

  get bytes(): number {
    return this.held;
  }

  /** Takes `bytes` more; false (nothing taken) when the budget has no room. */
  charge(bytes: number): boolean {
    if (this.released) return false;
    if (!this.budget.take(bytes)) return false;
    this.held += bytes;
    return true;
  }

  /** Holds exactly `bytes` from now on (the parsed estimate replaces the raw count). */
  resize(bytes: number): boolean {
    if (bytes > this.held) return this.charge(bytes - this.held);
    this.budget.give(this.held - bytes);
    this.held = bytes;
    return true;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.give(this.held);
    this.held = 0;
  }
}
