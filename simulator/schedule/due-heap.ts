/**
 * A binary min-heap of (due time, agent index) in two flat arrays: no object per entry, so
 * 100,000 agents' next replications cost about 12 bytes each.
 */
export class DueHeap {
  private due: Float64Array;
  private who: Int32Array;
  private length = 0;

  constructor(capacity = 1_024) {
    this.due = new Float64Array(capacity);
    this.who = new Int32Array(capacity);
  }

  get size(): number {
    return this.length;
  }

  /** Earliest due time, or Infinity when empty. */
  peekDue(): number {
    return this.length > 0 ? (this.due[0] as number) : Number.POSITIVE_INFINITY;
  }

  push(dueMs: number, index: number): void {
    if (this.length === this.due.length) this.grow();
    let at = this.length++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if ((this.due[parent] as number) <= dueMs) break;
      this.due[at] = this.due[parent] as number;
      this.who[at] = this.who[parent] as number;
      at = parent;
    }
    this.due[at] = dueMs;
    this.who[at] = index;
  }

  /** Removes the earliest entry and returns its agent index (call only when size > 0). */
  pop(): number {
    const top = this.who[0] as number;
    const lastDue = this.due[--this.length] as number;
    const lastWho = this.who[this.length] as number;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.length) break;
      const right = left + 1;
      const child =
        right < this.length && (this.due[right] as number) < (this.due[left] as number)
          ? right
          : left;
      if ((this.due[child] as number) >= lastDue) break;
      this.due[at] = this.due[child] as number;
      this.who[at] = this.who[child] as number;
      at = child;
    }
    this.due[at] = lastDue;
    this.who[at] = lastWho;
    return top;
  }

  clear(): void {
    this.length = 0;
  }

  private grow(): void {
    const due = new Float64Array(this.due.length * 2);
    const who = new Int32Array(this.who.length * 2);
    due.set(this.due);
    who.set(this.who);
    this.due = due;
    this.who = who;
  }
}
