import { importStaff } from '../src/people/staffImport';
import { importTraining } from '../src/training/importTraining';
import { cardOf, cardText, type SentActivity } from './helpers/connector';
import { LEAD_OID, onlyLoopback, startTestBot, type TestBot } from './helpers/bot';

const MANAGER = 'a1a1a1a1-0000-4000-8000-000000000011';
const NURSE = 'b2b2b2b2-0000-4000-8000-000000000012';
const STAFF = [
  'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code',
  `M1,Mia Manager,mia@nhs.net,${MANAGER},Continuing Care,clinical,manager,`,
  `N1,Noor Nurse,noor@nhs.net,${NURSE},Continuing Care,clinical,,`,
  `L1,Lee Lead,lee@nhs.net,${LEAD_OID},Safeguarding,designated-professional,,`,
].join('\n');
const TRAINING = ['employee_id,subject,level,completed_on,hours,provider', 'N1,children,3,2023-10-01,12,eLfH'].join(
  '\n',
);

const GROUP = { id: '19:group-chat', conversationType: 'groupChat', tenantId: 'tenant-1' };
const CHANNEL = { id: '19:general@thread.tacv2', conversationType: 'channel', tenantId: 'tenant-1' };
const mention = {
  type: 'mention',
  mentioned: { id: '28:safeguarding-bot', name: 'Safeguarding support' },
  text: '<at>Safeguarding support</at>',
};

/** Everything a person would read in a message: its text and any card. */
const readable = (a: SentActivity) => `${a.activity.text ?? ''}\n${cardText(cardOf(a))}`;

describe('privileged reports asked for in a group chat or channel', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startTestBot();
    bot.clock.now = new Date('2026-11-23T09:00:00Z');
    await importStaff(bot.app.directory, STAFF, { staffGroups: bot.app.trainingRules.staffGroups.map((g) => g.id) });
    await importTraining(bot.app.training.store, bot.app.directory, bot.app.trainingRules, TRAINING, bot.clock.now);
  });
  afterEach(async () => {
    await bot.stop();
  });

  /** Opens the person's 1:1 chat with the bot (as Teams does when they message it there). */
  const openPersonalChat = async (oid: string) => {
    await bot.say('help', { oid });
    await bot.connector.waitFor((a) => a.conversationId === `a:personal-${oid}`);
  };
  /** Posts in a shared conversation and returns what arrived in it and in the person's 1:1 chat. */
  const askIn = async (
    conversation: Record<string, unknown>,
    oid: string,
    text: string,
    value?: Record<string, unknown>,
  ) => {
    bot.connector.clear();
    const res = await bot.post(
      bot.activity(
        {
          type: 'message',
          text: value ? undefined : `<at>Safeguarding support</at> ${text}`,
          value,
          conversation,
          entities: value ? undefined : [mention],
        },
        oid,
      ),
    );
    expect(res.status).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 100));
    return {
      shared: bot.connector.sent.filter((a) => a.conversationId === conversation.id),
      personal: bot.connector.sent.filter((a) => a.conversationId === `a:personal-${oid}`),
    };
  };

  it.each([
    ['team compliance', MANAGER, GROUP, /Training compliance: Continuing Care[\s\S]*Noor Nurse/],
    ['organisation compliance', LEAD_OID, CHANNEL, /Continuing Care \(2\)/],
    ['briefing reports', LEAD_OID, GROUP, /Briefing reports/],
    ['assessment status', LEAD_OID, CHANNEL, /practices submitted/],
    ['assessment export', LEAD_OID, GROUP, /\/exports\?token=/],
    ['my training', NURSE, GROUP, /Noor Nurse/],
  ])('"%s" goes to the 1:1 chat, and the group is told so', async (command, oid, conversation, privateContent) => {
    await openPersonalChat(oid);
    const { shared, personal } = await askIn(conversation, oid, command);
    expect(shared.map((a) => a.activity.text)).toEqual(["I've sent this to you privately."]);
    expect(shared[0]!.activity.attachments ?? []).toHaveLength(0);
    expect(personal.map(readable).join('\n')).toMatch(privateContent);
  });

  it('sends nothing privileged when the person has no 1:1 chat with the bot', async () => {
    const { shared, personal } = await askIn(GROUP, MANAGER, 'team compliance');
    expect(personal).toHaveLength(0);
    expect(shared).toHaveLength(1);
    expect(shared[0]!.activity.text).toMatch(/Please ask me in our 1:1 chat/);
    expect(readable(shared[0]!)).not.toContain('Noor Nurse');
  });

  it('moves a crafted card action (a download link) to the 1:1 chat too', async () => {
    await openPersonalChat(MANAGER);
    const { shared, personal } = await askIn(GROUP, MANAGER, '', { verb: 'training.export', team: 'Continuing Care' });
    expect(shared.map((a) => a.activity.text)).toEqual(["I've sent this to you privately."]);
    expect(personal.map(readable).join('\n')).toMatch(/\/exports\?token=/);
  });

  it('does not import a file shared in a group chat', async () => {
    await openPersonalChat(LEAD_OID);
    bot.connector.clear();
    await bot.post(
      bot.activity(
        {
          type: 'message',
          text: '',
          conversation: GROUP,
          attachments: [
            {
              contentType: 'application/vnd.microsoft.teams.file.download.info',
              name: 'staff.csv',
              content: { downloadUrl: 'http://127.0.0.1:9/staff.csv', fileType: 'csv' },
            },
          ],
        },
        LEAD_OID,
      ),
    );
    const reply = await bot.connector.waitFor((a) => a.conversationId === GROUP.id);
    expect(reply.activity.text).toMatch(/1:1 chat/);
  });
});
