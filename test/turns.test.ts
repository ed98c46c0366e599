import { PeopleDirectory } from '../src/people/directory';
import { importStaff } from '../src/people/staffImport';
import { openStore, type Store } from '../src/storage/store';
import { cardText, cardOf } from './helpers/connector';
import { onlyLoopback, startTestBot, USER_OID, type TestBot } from './helpers/bot';
import { countStorage } from './helpers/storageCounts';
import { removeDir, tempDir } from './helpers/tmp';

/**
 * What an ordinary turn costs in storage: the person is found by point reads (never a query), and
 * the conversation reference is written only when where to reach the person changed.
 */
const HEADER = 'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code';
const X = '33333333-aaaa-4bbb-8ccc-00000000000a';
const Y = '33333333-aaaa-4bbb-8ccc-00000000000b';
const Z = '33333333-aaaa-4bbb-8ccc-00000000000c';
const W = '33333333-aaaa-4bbb-8ccc-00000000000d';
const row = (id: string, name: string, oid = '', team = 'Finance') =>
  `${id},${name},${id.toLowerCase()}@nhs.net,${oid},${team},all-staff,,`;
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n');

describe('finding a person', () => {
  let dir: string;
  let store: Store;
  let directory: PeopleDirectory;
  const now = new Date('2026-05-01T09:00:00Z');
  beforeEach(async () => {
    dir = tempDir();
    store = await openStore({ cosmos: { database: 'safeguarding' }, dataDir: dir });
    directory = new PeopleDirectory(store, []);
  });
  afterEach(async () => {
    await store.close();
    removeDir(dir);
  });

  it('by point reads only, with no query', async () => {
    await importStaff(directory, csv(row('A1', 'Ann Able', X)), { now });
    const counted = countStorage();
    try {
      const principal = await directory.principalFor({ aadObjectId: X.toUpperCase() });
      expect(principal).toMatchObject({ employeeId: 'A1', name: 'Ann Able', team: 'Finance', staffGroup: 'all-staff' });
      expect((await directory.principalFor({ aadObjectId: Y })).employeeId).toBeUndefined();
      expect(counted.queries).toEqual([]);
    } finally {
      counted.restore();
    }
  });

  it('finds someone it has found before with one point read, and follows their id when another process moves it', async () => {
    await importStaff(directory, csv(row('A1', 'Ann Able', X), row('B1', 'Bea Bold', Z)), { now });
    expect((await directory.findByAadObjectId(X))?.id).toBe('A1');
    const counted = countStorage();
    try {
      expect((await directory.findByAadObjectId(X))?.name).toBe('Ann Able');
      expect(counted.reads).toEqual(['people']);
    } finally {
      counted.restore();
    }
    // Another instance of the bot imports a file that gives X to B1 and Y to A1.
    const elsewhere = new PeopleDirectory(store, []);
    expect(
      await importStaff(elsewhere, csv(row('A1', 'Ann Able', Y), row('B1', 'Bea Bold', X)), { now }),
    ).toMatchObject({ failed: [] });
    expect((await directory.findByAadObjectId(X))?.id).toBe('B1');
    expect((await directory.findByAadObjectId(Y))?.id).toBe('A1');
    expect(await directory.findByAadObjectId(Z)).toBeUndefined();
    // A1 leaves: their record stays, but nobody is found by their id.
    const a1 = (await store.container('people').item('A1', 'A1').read()).resource!;
    await store
      .container('people')
      .item('A1', 'A1')
      .replace({ ...a1, leftAt: now.toISOString() });
    expect(await directory.findByAadObjectId(Y)).toBeUndefined();
  });

  it('follows an Entra id moved from one person to another, in the same chunk and across chunks', async () => {
    await importStaff(directory, csv(row('A1', 'Ann Able', X), row('C1', 'Cal Cole', Z)), { now });
    expect((await directory.findByAadObjectId(X))?.id).toBe('A1');
    // Same chunk: A1 gives X to B1 and takes Y.
    const moved = await importStaff(
      directory,
      csv(row('A1', 'Ann Able', Y), row('B1', 'Bea Bold', X), row('C1', 'Cal Cole', Z)),
      { now },
    );
    expect(moved).toMatchObject({ added: 1, updated: 1, failed: [] });
    expect((await directory.findByAadObjectId(X))?.id).toBe('B1');
    expect((await directory.findByAadObjectId(Y))?.id).toBe('A1');
    // Across chunks of 1,000: the new holder of Z comes after its old holder, and the new holder
    // of Y comes before its old holder.
    const filler = Array.from({ length: 1000 }, (_, i) => row(`F${i}`, `Filler ${i}`));
    const across = await importStaff(
      directory,
      csv(
        row('D1', 'Dee Dunn', Y),
        row('B1', 'Bea Bold', X),
        row('C1', 'Cal Cole', W),
        ...filler,
        row('A1', 'Ann Able'),
        row('E1', 'Eve East', Z),
      ),
      { now },
    );
    expect(across.failed).toEqual([]);
    expect((await directory.findByAadObjectId(Y))?.id).toBe('D1');
    expect((await directory.findByAadObjectId(Z))?.id).toBe('E1');
    expect((await directory.findByAadObjectId(W))?.id).toBe('C1');
    expect((await directory.findByAadObjectId(X))?.id).toBe('B1');
    // A1 no longer has an Entra id: nobody is found for it, and no link is left pointing at A1.
    const { resources: links } = await store
      .container('entraIds')
      .items.query<{ id: string; employeeId: string }>(
        'SELECT c.id, c.employeeId FROM c WHERE IS_DEFINED(c.employeeId)',
      )
      .fetchAll();
    expect(links.map((l) => `${l.id}=${l.employeeId}`).sort()).toEqual(
      [`${X}=B1`, `${Y}=D1`, `${Z}=E1`, `${W}=C1`].sort(),
    );
  });

  it('finds a new starter as soon as the import adds them, and repairs a missing link when the same file is imported again', async () => {
    await importStaff(directory, csv(row('A1', 'Ann Able', X)), { now });
    expect(await directory.findByAadObjectId(Y)).toBeUndefined();
    await importStaff(directory, csv(row('A1', 'Ann Able', X), row('N1', 'New Starter', Y)), { now });
    expect((await directory.findByAadObjectId(Y))?.name).toBe('New Starter');
    // The import was cut short between writing the person and the link: running it again links them.
    await store.container('entraIds').item(Y, Y).delete();
    // A process that has not found them before cannot (this one still can: their record holds Y).
    expect(await new PeopleDirectory(store, []).findByAadObjectId(Y)).toBeUndefined();
    expect((await directory.findByAadObjectId(Y))?.name).toBe('New Starter');
    expect(
      await importStaff(directory, csv(row('A1', 'Ann Able', X), row('N1', 'New Starter', Y)), { now }),
    ).toMatchObject({ unchanged: 2, failed: [] });
    expect((await new PeopleDirectory(store, []).findByAadObjectId(Y))?.name).toBe('New Starter');
  });
});

describe('a turn', () => {
  onlyLoopback();
  let bot: TestBot;
  afterEach(async () => {
    await bot.stop();
  });

  it('finds people written by the previous version (no links yet) after a restart, with no query', async () => {
    const dataDir = tempDir();
    const old = await openStore({ cosmos: { database: 'safeguarding' }, dataDir });
    // As the previous version stored a person: the people document only.
    await old.container('people').items.create({
      id: 'P1',
      employeeId: 'P1',
      name: 'Pat Previous',
      email: 'pat@nhs.net',
      aadObjectId: USER_OID,
      team: 'Continuing Care',
      staffGroup: 'clinical',
      roles: [],
      importedAt: '2026-01-01T00:00:00.000Z',
    });
    await old.close();

    bot = await startTestBot({}, dataDir);
    await bot.say('help'); // the first turn of this chat writes its conversation reference
    bot.connector.clear();
    const counted = countStorage();
    try {
      await bot.say('my training');
      const reply = await bot.connector.waitFor((a) => cardOf(a) !== undefined);
      expect(cardText(cardOf(reply))).toContain('Pat Previous');
      expect(cardText(cardOf(reply))).toContain('Continuing Care');
      expect(counted.queries).toEqual([]);
      expect(counted.writes).toEqual([]);
    } finally {
      counted.restore();
    }
  });
});
