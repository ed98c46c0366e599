import { openStore, type Store } from '../src/storage/store';
import { BriefingStore, RECENT_FOR_MS, type BriefingDoc, type BriefingStatus } from '../src/briefings/store';
import { DeliveryQueue } from '../src/briefings/queue';
import { countStorage } from './helpers/storageCounts';
import { removeDir, tempDir } from './helpers/tmp';

/**
 * The briefings list staff open is the same for everyone, so one query serves every list for a
 * few seconds; what this process changes shows at once, another instance's send within that time.
 */
describe('the list of sent briefings', () => {
  let dir: string;
  let store: Store;
  let clock: number;
  let briefings: BriefingStore;
  /** Another instance of the bot on the same database. */
  let other: BriefingStore;

  const doc = (id: string, status: BriefingStatus, minute: number): BriefingDoc => {
    const at = new Date(Date.UTC(2026, 11, 2, 9, minute)).toISOString();
    return {
      id,
      type: 'briefing',
      status,
      content: {
        title: `Briefing ${id}`,
        tags: [],
        background: 'Background.',
        whyItMatters: 'Why it matters.',
        keyPoints: ['One.', 'Two.', 'Three.'],
        remember: ['Remember.'],
        whatToDo: ['Do.'],
        reflection: ['Reflect.'],
        furtherInformation: [],
      },
      version: 1,
      author: { aadObjectId: 'lead-oid', name: 'A Lead' },
      createdAt: at,
      updatedAt: at,
      startedAt: at,
    };
  };
  const titles = async (s: BriefingStore) => (await s.recentlySent()).map((b) => b.id);

  beforeEach(async () => {
    dir = tempDir();
    store = await openStore({ cosmos: { database: 'safeguarding' }, dataDir: dir });
    clock = 0;
    briefings = new BriefingStore(store, () => clock);
    other = new BriefingStore(store, () => clock);
  });
  afterEach(async () => {
    await store.close();
    removeDir(dir);
  });

  it('lists sent and sending briefings newest first, never drafts or scheduled ones', async () => {
    await briefings.create(doc('old', 'sent', 1));
    await briefings.create(doc('new', 'sending', 3));
    await briefings.create(doc('draft', 'draft', 4));
    await briefings.create(doc('later', 'scheduled', 5));
    expect(await titles(briefings)).toEqual(['new', 'old']);
  });

  it('answers many staff opening the list at once with one query, and reuses it for a few seconds', async () => {
    await briefings.create(doc('a', 'sent', 1));
    const counts = countStorage();
    try {
      const lists = await Promise.all(Array.from({ length: 20 }, () => titles(briefings)));
      expect(lists.every((l) => l.join() === 'a')).toBe(true);
      clock += RECENT_FOR_MS - 1;
      await titles(briefings);
      expect(counts.queries.filter((c) => c === 'briefings')).toHaveLength(1);
      clock += 1;
      await titles(briefings);
      expect(counts.queries.filter((c) => c === 'briefings')).toHaveLength(2);
    } finally {
      counts.restore();
    }
  });

  it("shows this process's own send at once, and another instance's within the reuse time", async () => {
    await briefings.create(doc('a', 'sent', 1));
    expect(await titles(briefings)).toEqual(['a']);
    await other.create(doc('b', 'sent', 2));
    expect(await titles(other)).toEqual(['b', 'a']);
    // This process has not seen the other's write yet...
    expect(await titles(briefings)).toEqual(['a']);
    clock += RECENT_FOR_MS;
    // ...and sees it once the list is read again.
    expect(await titles(briefings)).toEqual(['b', 'a']);
  });

  it('reads again at once after the engine changes a briefing (sending becomes sent)', async () => {
    await briefings.create(doc('a', 'sending', 1));
    expect((await briefings.recentlySent()).map((b) => b.status)).toEqual(['sending']);
    const queue = new DeliveryQueue(briefings);
    const current = (await briefings.get('a'))!;
    await queue.update(current, (b) => ({ ...b, status: 'sent', updatedAt: new Date().toISOString() }));
    expect((await briefings.recentlySent()).map((b) => b.status)).toEqual(['sent']);
  });

  it('reads again at once after a lead saves a briefing', async () => {
    await briefings.create(doc('a', 'scheduled', 1));
    expect(await titles(briefings)).toEqual([]);
    const current = (await briefings.get('a'))!;
    expect(await briefings.saveBriefing({ ...current, status: 'sent' }, current._etag)).toBe('saved');
    expect(await titles(briefings)).toEqual(['a']);
  });

  it('does not keep a failed query: the next list asks again', async () => {
    await briefings.create(doc('a', 'sent', 1));
    const list = jest.spyOn(briefings, 'list').mockRejectedValueOnce(new Error('store unavailable'));
    await expect(titles(briefings)).rejects.toThrow('store unavailable');
    expect(await titles(briefings)).toEqual(['a']);
    expect(list).toHaveBeenCalledTimes(2);
  });
});
