import fs from 'node:fs';
import path from 'node:path';
import { persona, PERSONAS } from '../../src/demo';
import { importStaff, STAFF_COLUMNS } from '../../src/people/staffImport';
import { importTraining, TRAINING_COLUMNS } from '../../src/training/importTraining';
import { onlyLoopback, startDemoBot, type TestBot } from '../helpers/bot';
import { expectFiguresOk, figure } from './figures';
import { cardVerbs } from './harness';

const AREA = 'patient details';
const PATIENT = 'Jane Smith aged 34, NHS number 943 476 5919, LS1 4AP, mobile 07700 900123';
/** What must never be found on disk or in the logs, however it is spaced. */
const FOUND = [/943\s?476\s?5919/, /9434765919/, /LS1 ?4AP/i, /07700\s?900123/, /Jane Smith/];
/** Valid values for the other fields, so that the one carrying patient details is what is judged. */
const VALID: Record<string, unknown> = {
  subject: 'children',
  level: '3',
  completedOn: '2026-11-01',
  hours: '2',
  when: 'now',
  kind: 'everyone',
  then: 'overview',
  decision: 'confirm',
  title: 'A briefing',
  summary: 'About safeguarding',
};

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('patient details typed into every free-text input and CSV column', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startDemoBot();
  });
  afterAll(async () => {
    await bot.stop();
  });

  it('are stored nowhere in DATA_DIR and written to no log', async () => {
    const oids = PERSONAS.map((p) => persona(p).aadObjectId);
    let inputs = 0;
    // Typed as a message, by everyone.
    for (const oid of oids) {
      for (const text of [
        PATIENT,
        `worried ${PATIENT}`,
        `my training ${PATIENT}`,
        `team compliance ${PATIENT}`,
        `briefings ${PATIENT}`,
      ]) {
        inputs++;
        await (await bot.post(bot.activity({ type: 'message', text }, oid))).text();
      }
    }
    // Every field of every card verb, alone and with valid values around it.
    for (const [verb, fields] of cardVerbs()) {
      for (const field of fields) {
        for (const oid of oids) {
          inputs++;
          const value = { ...VALID, verb, [field]: PATIENT };
          await (await bot.post(bot.activity({ type: 'message', value }, oid))).text();
        }
      }
    }
    // Every column of both CSV imports.
    const staffHeader = [...STAFF_COLUMNS];
    const staffRow = ['P1', 'Pat Person', 'pat@nhs.net', '', 'Continuing Care', 'clinical', '', ''];
    const trainingHeader = [...TRAINING_COLUMNS];
    const trainingRow = ['P1', 'children', '3', '2026-10-01', '2', 'eLfH'];
    const groups = bot.app.trainingRules.staffGroups.map((g) => g.id);
    await importStaff(bot.app.directory, [staffHeader.join(','), staffRow.join(',')].join('\n'), {
      staffGroups: groups,
    });
    for (let i = 0; i < staffHeader.length; i++) {
      inputs++;
      const row = staffRow.map((v, k) => (k === i ? `"${PATIENT}"` : v));
      await importStaff(bot.app.directory, [staffHeader.join(','), row.join(',')].join('\n'), {
        staffGroups: groups,
      }).catch(() => undefined);
    }
    for (let i = 0; i < trainingHeader.length; i++) {
      inputs++;
      const row = trainingRow.map((v, k) => (k === i ? `"${PATIENT}"` : v));
      await importTraining(
        bot.app.training.store,
        bot.app.directory,
        bot.app.trainingRules,
        [trainingHeader.join(','), row.join(',')].join('\n'),
        bot.clock.now,
      ).catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 300));

    const onDisk: string[] = [];
    for (const file of filesUnder(bot.dataDir)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const re of FOUND)
        if (re.test(text))
          onDisk.push(
            `${path.basename(file)} ${re}: …${text.slice(Math.max(0, text.search(re) - 200), text.search(re) + 60)}…`,
          );
    }
    const logText = bot.logs.map((l) => JSON.stringify(l)).join('\n');
    const inLogs = FOUND.filter((re) => re.test(logText)).map(String);
    if (inLogs.length) console.log(bot.logs.filter((l) => FOUND.some((re) => re.test(JSON.stringify(l)))).slice(0, 3));
    if (onDisk.length || inLogs.length) console.log(onDisk.slice(0, 10).join('\n\n'), inLogs);
    figure(AREA, 'free-text inputs and CSV columns tried', inputs, { min: 100 });
    figure(AREA, 'matches in DATA_DIR files', onDisk.length, { eq: 0 });
    figure(AREA, 'matches in the logs', inLogs.length, { eq: 0 });
    expectFiguresOk();
  }, 200_000);
});
