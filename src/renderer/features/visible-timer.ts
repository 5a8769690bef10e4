// Time an annotator spends looking at one feature: counts only while the page is visible (the clock is
// injected so the rule can be tested without a DOM).

export class VisibleTimer {
  private accumulatedMs = 0;
  private startedAt: number | null = null;

  constructor(private readonly now: () => number) {}

  /** Starts counting (no-op when already counting). */
  resume(): void {
    if (this.startedAt === null) this.startedAt = this.now();
  }

  /** Stops counting and keeps what was counted. */
  pause(): void {
    if (this.startedAt !== null) this.accumulatedMs += Math.max(0, this.now() - this.startedAt);
    this.startedAt = null;
  }

  /** Whole milliseconds counted so far. */
  elapsedMs(): number {
    const running = this.startedAt === null ? 0 : Math.max(0, this.now() - this.startedAt);
    return Math.round(this.accumulatedMs + running);
  }
}
