import { backoffMs, HEADROOM, Pacer, SPACING } from '../src/briefings/pacer';
import { fromUkTime, ukLabel } from '../src/briefings/schedule';
import { searchBriefings } from '../src/briefings/content';

/** A pacer on a fake clock: sleeping moves time on instantly. */
function fakePacer(rate: number) {
  let now = 0;
  // Time moves on in a microtask, after the callbacks of senders already released have run.
  const pacer = new Pacer({
    ratePerSecond: rate,
    clock: () => now,
    sleep: (ms) => Promise.resolve().then(() => void (now += ms)),
  });
  return { pacer, now: () => now, advance: (ms: number) => (now += ms) };
}

describe('the send pacer', () => {
  it('spaces messages evenly just under the global limit, with no burst after a quiet spell', async () => {
    const { pacer, now, advance } = fakePacer(50);
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      await pacer.take(`c${i}`);
      times.push(now());
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Never closer than the minimum gap, so never a burst.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(SPACING * (1000 / (50 * HEADROOM)) - 1e-9);
    // In any one-second window, never more than 50.
    for (const t of times) expect(times.filter((x) => x + 1000 > t && x <= t).length).toBeLessThanOrEqual(50);
    // After a quiet spell nothing goes all at once: at most a quicker run, never closer than the minimum gap.
    advance(10_000);
    const before = now();
    const after: number[] = [];
    for (let i = 0; i < 20; i++) {
      await pacer.take(`d${i}`);
      after.push(now());
    }
    expect(after.filter((t) => t === before).length).toBeLessThanOrEqual(1);
    expect(after.at(-1)! - before).toBeGreaterThanOrEqual(19 * SPACING * (1000 / (50 * HEADROOM)) - 1e-9);
  });

  it('loses nothing to wake-ups a little late, and never exceeds the limit in any second', async () => {
    let now = 0;
    let calls = 0;
    // Every 10th wake-up is 8 ms late (less than half a slot), as after a short garbage collection.
    const pacer = new Pacer({
      ratePerSecond: 50,
      clock: () => now,
      sleep: (ms) => Promise.resolve().then(() => void (now += ms + (++calls % 10 === 0 ? 8 : 0))),
    });
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        pacer.take(`c${i}`).then(() => {
          times.push(now);
        }),
      ),
    );
    for (const t of times) expect(times.filter((x) => x + 1000 > t && x <= t).length).toBeLessThanOrEqual(49);
    // The full 49 a second despite the late wake-ups.
    expect(300 / (times.at(-1)! / 1000)).toBeGreaterThan(48.5);
  });

  it('keeps one conversation to 7 messages a second', async () => {
    const { pacer, now } = fakePacer(1000);
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      await pacer.take('same');
      times.push(now());
    }
    for (const t of times) expect(times.filter((x) => x + 1000 > t && x <= t).length).toBeLessThanOrEqual(7);
    expect(times[7]! - times[0]!).toBeGreaterThanOrEqual(1000);
  });

  it('stops everyone for a Retry-After, and gives back a slot the service failed before counting', async () => {
    const { pacer, now } = fakePacer(50);
    await pacer.take('a');
    pacer.pause(3000);
    await pacer.take('b');
    expect(now()).toBeGreaterThanOrEqual(3000);
    const slot = await pacer.take('c0');
    const t = now();
    pacer.refund(slot);
    await pacer.take('c');
    expect(now() - t).toBeLessThan(1000 / 50);
  });

  it('backs off exponentially with jitter, within bounds', () => {
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffMs(20, 1000, 60_000, () => 1)).toBe(60_000);
    const draws = new Set(Array.from({ length: 20 }, () => backoffMs(3, 1000)));
    expect(draws.size).toBeGreaterThan(1);
  });
});

describe('scheduling in UK time', () => {
  it('reads winter times as GMT and summer times as BST', () => {
    expect(fromUkTime('2026-11-24', '10:15')).toEqual({ ok: true, at: new Date('2026-11-24T10:15:00Z') });
    expect(fromUkTime('2026-07-01', '09:00')).toEqual({ ok: true, at: new Date('2026-07-01T08:00:00Z') });
  });

  it('refuses the hour that does not exist when the clocks go forward', () => {
    const r = fromUkTime('2026-03-29', '01:30');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toMatch(/clocks go forward/);
  });

  it('uses the first of the two 01:30s when the clocks go back', () => {
    expect(fromUkTime('2026-10-25', '01:30')).toEqual({ ok: true, at: new Date('2026-10-25T00:30:00Z') });
  });

  it('refuses dates that do not exist and missing fields', () => {
    expect(fromUkTime('2026-02-30', '09:00').ok).toBe(false);
    expect(fromUkTime('', '09:00').ok).toBe(false);
  });

  it('labels instants in UK time', () => {
    expect(ukLabel(new Date('2026-07-01T08:00:00Z'))).toBe('Wednesday 1 July 2026 at 09:00');
  });
});

describe('briefing search', () => {
  const item = (title: string, tags: string[], background = '') => ({
    content: {
      title,
      tags,
      background,
      whyItMatters: '',
      keyPoints: ['', '', ''],
      remember: [],
      whatToDo: [],
      reflection: [],
      furtherInformation: [],
    },
  });
  it('needs every word, and ranks title and topic matches first', () => {
    const items = [
      item('Safer sleep', ['babies'], 'exploitation is not covered'),
      item('County lines', ['exploitation']),
      item('FGM', ['children']),
    ];
    expect(searchBriefings(items, 'exploitation').map((i) => i.content.title)).toEqual(['County lines', 'Safer sleep']);
    expect(searchBriefings(items, 'county exploitation').map((i) => i.content.title)).toEqual(['County lines']);
    expect(searchBriefings(items, 'weather')).toEqual([]);
  });
});
