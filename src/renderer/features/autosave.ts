// Autosave of one feature's annotation: edits are debounced (~500 ms) into one save; saves run one at
// a time, each from the revision the last one returned (`baseRevision`), so a save made elsewhere in
// between surfaces as a conflict instead of being overwritten. No React, no DOM: timers are injected.

export type SaveFailure =
  | { kind: 'conflict'; message: string }
  | { kind: 'invalid'; message: string; field: string | null }
  | { kind: 'notFound'; message: string }
  | { kind: 'unavailable'; message: string }
  /** Refused for another reason (unauthorized, internal): kept, not retried on its own. */
  | { kind: 'refused'; message: string };

export type SaveState =
  | { kind: 'idle'; revision: number; savedAt: string | null }
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'saved'; revision: number; savedAt: string }
  | { kind: 'failed'; failure: SaveFailure };

export interface SavedRevision {
  revision: number;
  createdAt: string;
}

export interface AutosaveDeps<T, R extends SavedRevision> {
  save(record: T, baseRevision: number): Promise<R>;
  /** Maps a rejected save to its kind (conflict, invalid input, feature gone, server unreachable). */
  classify(error: unknown): SaveFailure;
  onState(state: SaveState): void;
  /** A save went through: `previous` is the record it replaced (null when it was the first). */
  onSaved(saved: R, record: T, previous: T | null): void;
  setTimer(run: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  debounceMs?: number;
  /** Wait before retrying after `unavailable` (server unreachable). */
  retryMs?: number;
}

export class AutosaveScheduler<T, R extends SavedRevision = SavedRevision> {
  private pending: T | null = null;
  private timer: unknown = null;
  private inFlight: Promise<void> | null = null;
  private isHeld = false;
  private isDisposed = false;
  private hasFailed = false;

  constructor(
    private readonly deps: AutosaveDeps<T, R>,
    private baseRevision: number,
    /** The record stored at `baseRevision` (null before the first save). */
    private lastSaved: T | null,
  ) {}

  get revision(): number {
    return this.baseRevision;
  }

  get hasPending(): boolean {
    return this.pending !== null;
  }

  /** Records an edit; it is saved once edits pause for the debounce time. */
  change(record: T): void {
    if (this.isDisposed) return;
    this.pending = record;
    if (this.isHeld) return;
    this.deps.onState({ kind: 'pending' });
    this.restartTimer(this.deps.debounceMs ?? 500);
  }

  /**
   * Saves whatever is pending now (after the save in flight, and edits made meanwhile). Resolves true
   * when everything is stored, false when a save failed or is held by a conflict.
   */
  async flush(): Promise<boolean> {
    this.stopTimer();
    for (;;) {
      if (this.inFlight !== null) {
        await this.inFlight;
        if (this.hasFailed) break;
      } else if (this.pending !== null && !this.isHeld) {
        this.stopTimer();
        this.startSave();
      } else break;
    }
    return this.pending === null && !this.isHeld && !this.hasFailed;
  }

  /** The record and base revision to send by a fire-and-forget path (page unload); clears them. */
  takePending(): { record: T; baseRevision: number } | null {
    if (this.pending === null || this.isHeld) return null;
    this.stopTimer();
    const taken = { record: this.pending, baseRevision: this.baseRevision };
    this.pending = null;
    return taken;
  }

  /**
   * After a conflict: continue from `revision` (theirs), with `record` (theirs, or mine to save over it).
   * `shouldSave`: save `record` over theirs now; otherwise just adopt it as the stored state.
   */
  async rebase(revision: number, record: T, stored: T, shouldSave: boolean): Promise<boolean> {
    this.isHeld = false;
    this.hasFailed = false;
    this.baseRevision = revision;
    this.lastSaved = stored;
    this.pending = shouldSave ? record : null;
    if (shouldSave) return this.flush();
    this.deps.onState({ kind: 'idle', revision, savedAt: null });
    return true;
  }

  /** Stops timers; a pending edit is dropped unless flushed first. */
  dispose(): void {
    this.isDisposed = true;
    this.stopTimer();
  }

  private restartTimer(ms: number): void {
    this.stopTimer();
    this.timer = this.deps.setTimer(() => {
      this.timer = null;
      void this.flush();
    }, ms);
  }

  private stopTimer(): void {
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    this.timer = null;
  }

  private startSave(): void {
    const record = this.pending!;
    this.pending = null;
    this.deps.onState({ kind: 'saving' });
    this.inFlight = this.deps.save(record, this.baseRevision).then(
      (saved) => {
        this.inFlight = null;
        const previous = this.lastSaved;
        this.baseRevision = saved.revision;
        this.lastSaved = record;
        this.hasFailed = false;
        this.deps.onSaved(saved, record, previous);
        this.deps.onState(
          this.pending === null
            ? { kind: 'saved', revision: saved.revision, savedAt: saved.createdAt }
            : { kind: 'pending' },
        );
      },
      (error: unknown) => {
        this.inFlight = null;
        this.hasFailed = true;
        const failure = this.deps.classify(error);
        // Keep the edit unless a newer one replaced it; an invalid record is not retried as is.
        if (this.pending === null && failure.kind !== 'invalid') this.pending = record;
        // A conflict waits for the annotator's choice; a vanished feature takes no more saves.
        if (failure.kind === 'conflict' || failure.kind === 'notFound') this.isHeld = true;
        this.deps.onState({ kind: 'failed', failure });
        if (failure.kind === 'unavailable' && !this.isDisposed) this.restartTimer(this.deps.retryMs ?? 2000);
      },
    );
  }
}
