import { parseStaffCsv } from '../src/people/staffImport';
import { LEAD_OID, onlyLoopback, startTestBot } from './helpers/bot';

/** Found by the reliability suite (test/reliability/patientData.test.ts). */
const PATIENT = 'Jane Smith aged 34, NHS number 943 476 5919, LS1 4AP, mobile 07700 900123';
const HEADER = 'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code';

describe('patient details in places the reliability suite reached', () => {
  it('a staff file row whose name or team carries patient details is rejected with its line; plain names are kept', () => {
    const { people, rejected } = parseStaffCsv(
      [
        HEADER,
        `E1,"${PATIENT}",a@nhs.net,,Care,clinical,,`,
        `E2,Alex Brown,b@nhs.net,,"${PATIENT}",clinical,,`,
        'E3,Priya Shah,c@nhs.net,,Care,clinical,,',
      ].join('\n'),
      ['clinical'],
    );
    expect(people.map((p) => p.name)).toEqual(['Priya Shah']);
    expect(rejected).toEqual([
      { line: 2, reason: 'name looks like it contains patient details' },
      { line: 3, reason: 'team looks like it contains patient details' },
    ]);
  });

  describe('a training reminder for a team typed into a crafted card payload', () => {
    onlyLoopback();
    it('does not log the team as typed', async () => {
      const bot = await startTestBot();
      try {
        await bot.say('', { oid: LEAD_OID, value: { verb: 'training.remind', team: PATIENT } });
        await new Promise((r) => setTimeout(r, 200));
        expect(bot.logs.some((l) => l.msg === 'training reminders sent')).toBe(true);
        expect(JSON.stringify(bot.logs)).not.toContain('943 476 5919');
      } finally {
        await bot.stop();
      }
    });
  });
});
