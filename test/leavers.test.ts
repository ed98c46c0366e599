import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../src/config/paths';
import { ImportFileError, importStaff } from '../src/people/staffImport';
import { cardOf, cardText } from './helpers/connector';
import { LEAD_OID, onlyLoopback, startTestBot, type TestBot } from './helpers/bot';
import { removeDir, tempDir } from './helpers/tmp';

const HEADER = 'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code';
const person = (i: number, team = 'Finance') => `P${i},Person ${i},p${i}@nhs.net,,${team},all-staff,,`;
const TEN = [HEADER, ...Array.from({ length: 10 }, (_, i) => person(i + 1))].join('\n');

describe('leavers: a full staff import', () => {
  onlyLoopback();
  let bot: TestBot;
  const groups = () => ({ staffGroups: bot.app.trainingRules.staffGroups.map((g) => g.id) });
  beforeEach(async () => {
    bot = await startTestBot();
    await importStaff(bot.app.directory, TEN, groups());
  });
  afterEach(async () => {
    await bot.stop();
  });

  it('marks people missing from the file as left: out of compliance figures and audiences, kept for history, back when they return', async () => {
    const nine = TEN.split('\n').filter((l) => !l.startsWith('P10,')).join('\n');
    const report = await importStaff(bot.app.directory, nine, { ...groups(), full: true });
    expect(report).toMatchObject({ unchanged: 9, left: 1 });
    expect(await bot.app.directory.get('P10')).toMatchObject({ name: 'Person 10', leftAt: expect.any(String) });
    expect((await bot.app.directory.roster()).map((p) => p.id)).not.toContain('P10');
    await bot.say('organisation compliance', { oid: LEAD_OID });
    expect(cardText(cardOf(await bot.connector.waitFor((a) => /Training compliance by team/.test(cardText(cardOf(a))))))).toContain('Finance (9)');
    bot.connector.clear();
    await bot.say('team compliance Finance', { oid: LEAD_OID });
    expect(cardText(cardOf(await bot.connector.waitFor((a) => cardOf(a) !== undefined)))).toContain('9 people');
    expect(await bot.app.briefings.engine.resolveAudience({ kind: 'everyone' })).toHaveLength(9);

    // Running it again changes nothing; a normal import with them in brings them back.
    expect(await importStaff(bot.app.directory, nine, { ...groups(), full: true })).toMatchObject({ unchanged: 9, left: 0 });
    expect(await importStaff(bot.app.directory, TEN, groups())).toMatchObject({ updated: 1, unchanged: 9 });
    expect((await bot.app.directory.get('P10'))?.leftAt).toBeUndefined();
  });

  it('refuses a full import that would remove more than 10% of staff unless confirmed, and never counts a rejected row as a leaver', async () => {
    const truncated = TEN.split('\n').slice(0, 6).join('\n'); // P1-P5
    await expect(importStaff(bot.app.directory, truncated, { ...groups(), full: true })).rejects.toThrow(ImportFileError);
    await expect(importStaff(bot.app.directory, truncated, { ...groups(), full: true })).rejects.toThrow(/would mark 5 of 10 people \(50%\) as left.*--confirm/);
    expect(await bot.app.directory.roster()).toHaveLength(10);

    const withBadRow = `${TEN.replace('P3,Person 3,p3@nhs.net', 'P3,Person 3,not-an-email')}`;
    const report = await importStaff(bot.app.directory, withBadRow, { ...groups(), full: true });
    expect(report).toMatchObject({ left: 0 });
    expect(report.rejected).toHaveLength(1);

    expect(await importStaff(bot.app.directory, truncated, { ...groups(), full: true, confirm: true })).toMatchObject({ left: 5 });
    expect(await bot.app.directory.roster()).toHaveLength(5);
  });
});

describe('npm run import -- staff --full', () => {
  it('counts leavers in the summary and asks for --confirm before removing more than 10%', () => {
    const dir = tempDir();
    try {
      const run = (args: string[]) =>
        spawnSync(process.execPath, [path.join(projectRoot(), 'dist', 'scripts', 'import.js'), ...args], { env: { PATH: process.env.PATH, DATA_DIR: path.join(dir, 'data') }, encoding: 'utf8' });
      fs.writeFileSync(path.join(dir, 'ten.csv'), TEN);
      fs.writeFileSync(path.join(dir, 'five.csv'), TEN.split('\n').slice(0, 6).join('\n'));
      expect(run(['staff', path.join(dir, 'ten.csv')]).status).toBe(0);
      const refused = run(['staff', '--full', path.join(dir, 'five.csv')]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/would mark 5 of 10 people \(50%\) as left/);
      const confirmed = run(['staff', '--full', '--confirm', path.join(dir, 'five.csv')]);
      expect(confirmed.stdout).toContain('Staff import: 0 added, 0 updated, 5 unchanged, 0 rejected, 5 marked as left.');
      expect(confirmed.status).toBe(0);
    } finally {
      removeDir(dir);
    }
  });
});
