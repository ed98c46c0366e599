/**
 * Spaces sends out to stay inside Teams' limits: a global rate for the whole app (evenly spaced,
 * never in bursts) and a per-conversation limit over a sliding second. A 429 pauses everything
 * for its Retry-After. Pure apart from the clock and the timer, which tests can replace.
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

export class Pacer {
  private interval: number;
  private next = 0;
  private pausedUntil = 0;
  private readonly perConversation: number;
  private readonly recent = new Map<string, number[]>();
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: PacerOptions) {
    this.interval = 1000 / (opts.ratePerSecond * HEADROOM);
    this.perConversation = opts.perConversationPerSecond ?? 7;
    this.clock = opts.clock ?? (() => Date.now());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  setRate(ratePerSecond: number): void {
    this.interval = 1000 / (ratePerSecond * HEADROOM);
  }

  get ratePerSecond(): number {
    return 1000 / this.interval / HEADROOM;
  }

  /** Waits for the next free slot for a message to `conversation`, and takes it. */
  async take(conversation: string): Promise<void> {
    for (;;) {
      const now = this.clock();
      const ready = Math.max(this.next, this.pausedUntil, this.conversationFreeAt(conversation, now));
      if (ready <= now) {
        // Stay on the grid when a timer fired a little late (no drift), but never bank idle time:
        // after a quiet spell the next message waits at least half an interval.
        this.next = Math.max(this.next, now - this.interval / 2) + this.interval;
        this.remember(conversation, now);
        return;
      }
      await this.sleep(ready - now);
    }
  }

  /** A slot was used by a request the service failed before counting it (5xx): give it back. */
  refund(): void {
    this.next = Math.max(this.clock(), this.next - this.interval);
  }

  /** The service said 429: nobody sends until Retry-After has passed. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock() + ms);
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
    if (this.recent.size > 1000) for (const [key, t] of this.recent) if (t[t.length - 1]! + 1000 <= now) this.recent.delete(key);
  }
}

/** Exponential backoff with jitter: a random wait between half and all of base × 2^(attempt-1), capped. */
export function backoffMs(attempt: number, baseMs: number, capMs = 60_000, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
