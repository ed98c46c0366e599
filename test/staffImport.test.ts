import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PeopleDirectory } from '../src/people/directory';
import { ImportFileError, importStaff, parseStaffCsv } from '../src/people/staffImport';
import { openStore, type Store } from '../src/storage/store';
import { projectRoot } from '../src/config/paths';
import { importTraining } from '../src/training/importTraining';
import { loadTrainingRules } from '../src/training/rules';
import { TrainingStore } from '../src/training/store';
import { startTestBot } from './helpers/bot';
import { removeDir, tempDir } from './helpers/tmp';

const HEADER = 'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code';
const GOOD = [
  'E001,Priya Shah,priya.shah@nhs.net,11111111-aaaa-4bbb-8ccc-000000000001,Safeguarding,designated-professional,safeguarding-lead,',
  'E002,Tom Reid,tom.reid@nhs.net,11111111-aaaa-4bbb-8ccc-000000000002,Continuing Care,clinical,manager,',
  'E003,"Jo O\'Neill, Dr",jo.oneill@nhs.net,,Maltby Surgery,clinical,practice-lead;manager,c87001',
  'E004,Ana Lopes,ana.lopes@nhs.net,,Continuing Care,patient-contact,,',
];

describe('parsing the staff CSV', () => {
  it('accepts good rows, normalising case and quoted commas', () => {
    const { people, rejected } = parseStaffCsv([HEADER, ...GOOD].join('\n'));
    expect(rejected).toEqual([]);
    expect(people.map((p) => p.id)).toEqual(['E001', 'E002', 'E003', 'E004']);
    expect(people[2]).toMatchObject({
      name: "Jo O'Neill, Dr",
      practiceCode: 'C87001',
      roles: ['manager', 'practice-lead'],
    });
    expect(people[3]!.roles).toEqual([]);
  });

  it('rejects each bad row with its line number and reason, keeping the good ones', () => {
    const rows = [
      HEADER,
      GOOD[0],
      'E010,,no-name@nhs.net,,Team,clinical,,', // line 3
      'E011,Bad Email,not-an-email,,Team,clinical,,', // line 4
      'E012,Bad Role,x@nhs.net,,Team,clinical,admin,', // line 5
      'E013,No Practice,y@nhs.net,,Team,clinical,practice-lead,', // line 6
      'E001,Duplicate,d@nhs.net,,Team,clinical,,', // line 7
      'E014,Bad Guid,z@nhs.net,1234,Team,clinical,,', // line 8
      'E015,Too,few,columns', // line 9
      '',
      'E016,Same Aad,w@nhs.net,11111111-aaaa-4bbb-8ccc-000000000001,Team,clinical,,', // line 11
    ];
    const { people, rejected } = parseStaffCsv(rows.join('\n'));
    expect(people.map((p) => p.id)).toEqual(['E001']);
    expect(rejected.map((r) => r.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 11]);
    expect(rejected[0]!.reason).toMatch(/name is empty/);
    expect(rejected[1]!.reason).toMatch(/email/);
    expect(rejected[2]!.reason).toMatch(/roles may only contain/);
    expect(rejected[3]!.reason).toMatch(/practice_code is required for a practice-lead/);
    expect(rejected[4]!.reason).toMatch(/already on line 2/);
    expect(rejected[5]!.reason).toMatch(/aad_object_id/);
    expect(rejected[6]!.reason).toMatch(/columns/);
    expect(rejected[7]!.reason).toMatch(/already used on line 2/);
  });

  it('refuses a file without the expected columns as a whole', () => {
    expect(() => parseStaffCsv('id,name\n1,x')).toThrow(ImportFileError);
    expect(() => parseStaffCsv('id,name\n1,x')).toThrow(/Missing: employee_id, email/);
  });
});

describe('importing into the store', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = tempDir();
    store = await openStore({ cosmos: { database: 'safeguarding' }, dataDir: dir });
  });
  afterEach(async () => {
    await store.close();
    removeDir(dir);
  });

  it('adds people, changes nothing on a second run, and updates only what changed', async () => {
    const directory = new PeopleDirectory(store, []);
    const csv = [HEADER, ...GOOD].join('\n');
    expect(await importStaff(directory, csv)).toMatchObject({ added: 4, updated: 0, unchanged: 0, rejected: [] });
    const before = await directory.get('E002');
    expect(await importStaff(directory, csv)).toMatchObject({ added: 0, updated: 0, unchanged: 4 });
    expect((await directory.get('E002'))?._etag).toBe(before?._etag);

    const moved = csv.replace(
      'E002,Tom Reid,tom.reid@nhs.net,11111111-aaaa-4bbb-8ccc-000000000002,Continuing Care',
      'E002,Tom Reid,tom.reid@nhs.net,11111111-aaaa-4bbb-8ccc-000000000002,Safeguarding',
    );
    expect(await importStaff(directory, moved)).toMatchObject({ added: 0, updated: 1, unchanged: 3 });
    expect((await directory.get('E002'))?.team).toBe('Safeguarding');
  });

  it('refuses to give someone an Entra id another person holds, unless the same file moves it away', async () => {
    const directory = new PeopleDirectory(store, []);
    const X = '22222222-aaaa-4bbb-8ccc-00000000000a';
    const Y = '22222222-aaaa-4bbb-8ccc-00000000000b';
    await importStaff(directory, [HEADER, `A1,Ann Able,ann@nhs.net,${X},Finance,all-staff,,`].join('\n'));
    const taken = await importStaff(directory, [HEADER, `B1,Bea Bold,bea@nhs.net,${X},Finance,all-staff,,`].join('\n'));
    expect(taken.failed).toEqual([{ employeeId: 'B1', reason: 'aad_object_id already belongs to employee A1' }]);
    expect(await directory.get('B1')).toBeUndefined();
    const moved = await importStaff(
      directory,
      [
        HEADER,
        `A1,Ann Able,ann@nhs.net,${Y},Finance,all-staff,,`,
        `B1,Bea Bold,bea@nhs.net,${X},Finance,all-staff,,`,
      ].join('\n'),
    );
    expect(moved).toMatchObject({ added: 1, updated: 1, failed: [] });
    expect((await directory.get('B1'))?.aadObjectId).toBe(X);
  });

  it('treats e001 and E001 as the same person, in the staff list and in training records', async () => {
    const directory = new PeopleDirectory(store, []);
    const rules = loadTrainingRules(path.join(projectRoot(), 'content', 'training', 'rules.json'));
    expect(
      await importStaff(directory, [HEADER, 'e001,Priya Shah,priya@nhs.net,,Safeguarding,clinical,,'].join('\n')),
    ).toMatchObject({ added: 1 });
    expect(
      await importStaff(directory, [HEADER, 'E001,Priya Shah,priya@nhs.net,,Safeguarding,clinical,,'].join('\n')),
    ).toMatchObject({ added: 0, unchanged: 1 });
    expect(await directory.roster()).toHaveLength(1);
    expect((await directory.get('e001'))?.name).toBe('Priya Shah');
    const training = new TrainingStore(store);
    const report = await importTraining(
      training,
      directory,
      rules,
      [
        'employee_id,subject,level,completed_on,hours,provider',
        'e001,children,3,2026-01-10,12,eLfH',
        'E001,adults,3,2026-01-10,8,eLfH',
      ].join('\n'),
      new Date('2026-11-23T09:00:00Z'),
    );
    expect(report).toMatchObject({ added: 2, rejected: [] });
    expect(await training.forPerson('E001')).toHaveLength(2);
  });

  it('folds people and training records stored under a lower-case id by an earlier version into the upper-case one', async () => {
    const directory = new PeopleDirectory(store, []);
    await store.container('people').items.create({
      id: 'e009',
      employeeId: 'e009',
      name: 'Old Spelling',
      email: 'o@nhs.net',
      team: 'Finance',
      staffGroup: 'all-staff',
      roles: [],
      importedAt: '2026-01-01T00:00:00Z',
    });
    const training = new TrainingStore(store);
    await training.update('e009', 'Finance', () => [
      {
        subject: 'children',
        level: 1,
        completedOn: '2025-01-01',
        hours: 2,
        provider: 'eLfH',
        source: 'import',
        confirmed: true,
        importedAt: '2026-01-01T00:00:00Z',
      },
    ]);
    expect(await directory.upgradeEmployeeIds()).toEqual({ moved: 1, conflicts: [] });
    expect(await training.upgradeEmployeeIds()).toBe(1);
    expect(await directory.get('E009')).toMatchObject({ id: 'E009', employeeId: 'E009', name: 'Old Spelling' });
    expect(await directory.roster()).toHaveLength(1);
    expect(await training.forPerson('E009')).toHaveLength(1);
    expect(await training.get('e009')).toBeUndefined();
    expect(await directory.upgradeEmployeeIds()).toEqual({ moved: 0, conflicts: [] });
    expect(await training.upgradeEmployeeIds()).toBe(0);
  });

  it('gives imported people their roles, and configured leads theirs from the first message', async () => {
    const directory = new PeopleDirectory(store, ['99999999-aaaa-4bbb-8ccc-000000000009']);
    await importStaff(directory, [HEADER, ...GOOD].join('\n'));
    const manager = await directory.principalFor({ aadObjectId: '11111111-AAAA-4bbb-8ccc-000000000002' });
    expect([...manager.roles].sort()).toEqual(['manager', 'staff']);
    expect(manager.team).toBe('Continuing Care');
    const lead = await directory.principalFor({ aadObjectId: '99999999-aaaa-4bbb-8ccc-000000000009' });
    expect(lead.roles.has('safeguarding-lead')).toBe(true);
    const stranger = await directory.principalFor({ aadObjectId: '00000000-aaaa-4bbb-8ccc-000000000000' });
    expect([...stranger.roles]).toEqual(['staff']);
  });
});

describe('npm run import -- staff', () => {
  const cli = path.join(__dirname, '..', 'dist', 'scripts', 'import.js');
  const run = (dataDir: string, args: string[]) =>
    spawnSync(process.execPath, [cli, ...args], {
      env: { PATH: process.env.PATH, DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 30000,
    });

  it('reports counts and rejected rows, with exit code 2 when some rows were rejected', () => {
    const dir = tempDir();
    const file = path.join(dir, 'staff.csv');
    fs.writeFileSync(file, [HEADER, ...GOOD, 'E099,Bad,nope,,T,clinical,,'].join('\n'));
    const first = run(path.join(dir, 'data'), ['staff', file]);
    expect(first.stdout).toContain('4 added, 0 updated, 0 unchanged, 1 rejected');
    expect(first.stdout).toContain('line 6: email is not a valid e-mail address');
    expect(first.status).toBe(2);
    const second = run(path.join(dir, 'data'), ['staff', file]);
    expect(second.stdout).toContain('0 added, 0 updated, 4 unchanged, 1 rejected');
    removeDir(dir);
  });

  it('explains a missing file or wrong usage without a stack trace', () => {
    const dir = tempDir();
    const missing = run(dir, ['staff', path.join(dir, 'nope.csv')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no such file');
    const usage = run(dir, ['people']);
    expect(usage.stderr).toContain('Usage: npm run import -- staff [--full [--confirm]] <file.csv>');
    expect(usage.stderr).toContain('npm run import -- training <file.csv>');
    removeDir(dir);
  });

  it('goes through the running bot instead of opening its data a second time', async () => {
    const bot = await startTestBot();
    const file = path.join(bot.dataDir, 'staff.csv');
    fs.writeFileSync(file, [HEADER, ...GOOD].join('\n'));
    // Asynchronous: the bot in this process must keep answering while the import runs.
    const result = await new Promise<{ stdout: string; status: number | null }>((resolve) => {
      const child = spawn(process.execPath, [cli, 'staff', file], {
        env: { PATH: process.env.PATH, DATA_DIR: bot.dataDir },
      });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.on('close', (status) => resolve({ stdout, status }));
    });
    expect(result.stdout).toContain('importing through it');
    expect(result.stdout).toContain('4 added');
    expect(result.status).toBe(0);
    // The running bot sees the new people at once.
    expect((await bot.app.directory.get('E003'))?.practiceCode).toBe('C87001');
    await bot.stop();
  });
});
