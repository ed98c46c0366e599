import http from 'node:http';
import { commandCatalogue } from '../../src/app';
import { demoStaff, loadDemo, persona, type Persona } from '../../src/demo';
import { PERMISSIONS, ROLES, type Permission, type Role } from '../../src/people/roles';
import { onlyLoopback, startTestBot, type TestBot } from '../helpers/bot';
import { expectFiguresOk, figure } from './figures';
import { readable, storeChanges, storeDocuments } from './harness';

const AREA = 'role matrix';
const PERSONA: Record<Role, Persona> = {
  'safeguarding-lead': 'lead',
  manager: 'manager',
  'practice-lead': 'practice-lead',
  staff: 'staff',
};
const GROUP = { id: '19:reliability-group', conversationType: 'groupChat', tenantId: 'tenant-1' };
const mention = {
  type: 'mention',
  mentioned: { id: '28:safeguarding-bot', name: 'Safeguarding support' },
  text: '<at>Safeguarding support</at>',
};

/** A crafted card payload for each permission (what a forged or replayed button press would send). */
const PAYLOADS: Record<Permission, Record<string, unknown>[]> = {
  'referral.use': [{ verb: 'referral.step', step: 'start' }],
  'referral.review': [{ verb: 'menu', command: 'content review' }],
  'briefings.read': [{ verb: 'briefings.search', query: 'fgm' }],
  'briefings.send': [
    { verb: 'briefings.new' },
    { verb: 'briefings.start', libraryId: 'fgm' },
    { verb: 'briefings.save', title: 'Forged', summary: 'x', keyPoints: 'x' },
    { verb: 'briefings.cancel', briefingId: 'b-1' },
    { verb: 'briefings.changeTime', briefingId: 'b-1' },
    { verb: 'briefings.reschedule', briefingId: 'b-1', date: '2099-01-01', time: '09:00', confirmed: 'yes' },
  ],
  'training.own': [{ verb: 'training.recordCard' }],
  'training.team': [
    { verb: 'training.export', team: 'Continuing Care' },
    { verb: 'training.remind', team: 'Continuing Care' },
  ],
  'training.organisation': [
    { verb: 'menu', command: 'organisation compliance' },
    { verb: 'training.export', team: 'Safeguarding Team' },
  ],
  'assessment.answer': [{ verb: 'assessment.overview' }, { verb: 'assessment.open', section: 'governance' }],
  'assessment.oversee': [
    { verb: 'assessment.export' },
    { verb: 'assessment.remind' },
    { verb: 'menu', command: 'assessment status' },
  ],
  'people.import': [
    { verb: 'menu', command: 'import staff' },
    { verb: 'imports.leaversReview', run: '00000000-0000-4000-8000-000000000000' },
    { verb: 'imports.leaversApply', run: '00000000-0000-4000-8000-000000000000', count: 1, step: 'second' },
  ],
  'content.edit': [
    { verb: 'content.contact.edit', contact: 'mash' },
    { verb: 'content.approve', proposal: 'p-1' },
    { verb: 'content.review.confirm', kind: 'contact', id: 'mash' },
    { verb: 'content.route.edit', route: 'fgm' },
    { verb: 'content.route.propose', route: 'fgm', basedOn: '1', step0: 'Forged step' },
  ],
};

/** What only someone with the permission may read: download links, other people's names, reports and editors. */
const PRIVILEGED =
  /\/exports\?token=|compliance:|practices submitted|Briefing reports|Choose who gets it|people imported|Propose a change|Proposals waiting|Section \d|reminders? (?:were |was )?sent/i;

describe('the role matrix from src/people/roles.ts', () => {
  onlyLoopback();
  let bot: TestBot;
  let files: http.Server;
  let fileUrl = '';
  beforeAll(async () => {
    bot = await startTestBot();
    await loadDemo(bot.app, bot.clock.now);
    for (const role of ROLES) await bot.say('help', { oid: persona(PERSONA[role]).aadObjectId });
    // A staff file a person could attach in the chat (people.import), served on loopback.
    files = http.createServer((_req, res) =>
      res.end(
        'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code\nX1,Forged Person,x@nhs.net,,Continuing Care,clinical,safeguarding-lead,\n',
      ),
    );
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
    fileUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}/staff.csv`;
  });
  afterAll(async () => {
    await bot.stop();
    await new Promise((r) => files.close(r));
  });

  it('lets no role without a permission see or do what it guards, by text, by card or in a group chat', async () => {
    const catalogue = commandCatalogue();
    const names = demoStaff().map((p) => p.name);
    let cells = 0;
    let attempts = 0;
    let recognised = 0;
    const bypasses: string[] = [];
    const unaudited: string[] = [];
    let refusalsAudited = 0;
    const refusals = async () =>
      (await bot.app.audit.month(bot.clock.now.toISOString().slice(0, 7))).filter(
        (r) => r.action === 'access.refused' || r.action === 'content.refused',
      ).length;
    for (const permission of Object.keys(PERMISSIONS) as Permission[]) {
      const commands = catalogue.filter((c) => c.permission === permission).map((c) => c.name);
      const texts = permission === 'people.import' ? [] : commands.length ? commands : [];
      for (const role of ROLES) {
        const who = persona(PERSONA[role]);
        // Everyone is staff as well as their own role (resolveRoles).
        const allowed = (PERMISSIONS[permission] as readonly Role[]).some((r) => r === role || r === 'staff');
        // Other people's names are privileged too (the person's own name is not).
        const othersNamed = (s: string) => names.some((n) => n !== who.name && s.includes(n));
        for (const channel of ['text command', 'card payload', 'group chat'] as const) {
          cells++;
          const tries: Record<string, unknown>[] =
            channel === 'card payload'
              ? [
                  ...PAYLOADS[permission].map((value) => ({ type: 'message', value })),
                  ...(permission === 'people.import'
                    ? [
                        {
                          type: 'message',
                          text: '',
                          attachments: [
                            {
                              contentType: 'application/vnd.microsoft.teams.file.download.info',
                              name: 'staff.csv',
                              content: { downloadUrl: fileUrl, fileType: 'csv' },
                            },
                          ],
                        },
                      ]
                    : []),
                ]
              : channel === 'text command'
                ? texts.map((text) => ({ type: 'message', text }))
                : [
                    ...texts.map((text) => ({
                      type: 'message',
                      text: `<at>Safeguarding support</at> ${text}`,
                      entities: [mention],
                    })),
                    ...PAYLOADS[permission].map((value) => ({ type: 'message', value })),
                  ].map((a) => ({ ...a, conversation: GROUP }));
          for (const fields of tries) {
            attempts++;
            const before = await storeDocuments(bot.app.store);
            const refusedBefore = await refusals();
            bot.connector.clear();
            const res = await bot.post(bot.activity(fields, who.aadObjectId));
            await res.text();
            await new Promise((r) => setTimeout(r, 80));
            const replies = bot.connector.sent.concat(bot.connector.updated);
            const inGroup = replies
              .filter((a) => a.conversationId === GROUP.id)
              .map(readable)
              .join('\n');
            const anywhere = replies.map(readable).join('\n');
            const changes = storeChanges(before, await storeDocuments(bot.app.store), [/^imports\//]);
            const what = `${role} ${permission} ${channel} ${JSON.stringify(fields.value ?? fields.text ?? 'file')}`;
            if (PRIVILEGED.test(inGroup) || othersNamed(inGroup))
              bypasses.push(`${what}: privileged content in the group`);
            if (!allowed && (PRIVILEGED.test(anywhere) || othersNamed(anywhere)))
              bypasses.push(`${what}: privileged content: ${anywhere.slice(0, 200)}`);
            if (allowed && channel !== 'group chat' && (PRIVILEGED.test(anywhere) || othersNamed(anywhere)))
              recognised++;
            if (!allowed && changes.length) bypasses.push(`${what}: wrote ${changes.join(', ')}`);
            // Every refused attempt is in the audit trail (who, which command or button), whichever way it came.
            // (A menu button naming no command is answered with the menu: nothing privileged was tried.)
            const value = fields.value as { verb?: unknown; command?: unknown } | undefined;
            const noSuchCommand = value?.verb === 'menu' && !catalogue.some((c) => c.name === value.command);
            if (!allowed && !noSuchCommand) {
              if ((await refusals()) > refusedBefore) refusalsAudited++;
              else unaudited.push(what);
            }
          }
        }
      }
    }
    if (bypasses.length) console.log(bypasses.join('\n'));
    if (unaudited.length) console.log(`refusals not audited:\n${unaudited.join('\n')}`);
    figure(AREA, 'permissions x roles x (text, card, group)', cells, {
      eq: Object.keys(PERMISSIONS).length * ROLES.length * 3,
    });
    figure(AREA, 'attempts', attempts, { min: 100 });
    // The check can see privileged content: it does in what permitted roles get in their 1:1 chat.
    figure(AREA, 'privileged replies recognised for permitted roles', recognised, { min: 10 });
    figure(AREA, 'bypasses', bypasses.length, { eq: 0 });
    figure(AREA, 'refused attempts in the audit trail', refusalsAudited, { min: 50 });
    figure(AREA, 'refused attempts not audited', unaudited.length, { eq: 0 });
    expectFiguresOk();
  }, 240_000);
});
