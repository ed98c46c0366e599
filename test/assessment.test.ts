import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import { loadAssessmentContent } from '../src/assessment/content';
import { critique, missingFor, type Answer } from '../src/assessment/scoring';
import { importStaff } from '../src/people/staffImport';
import { cardProblems } from './helpers/cards';
import { cardOf, cardText } from './helpers/connector';
import { LEAD_OID, onlyLoopback, startTestBot, USER_OID, type TestBot } from './helpers/bot';

const content = loadAssessmentContent(path.join(projectRoot(), 'content'));
const q = content.current;
const allMet = (): Record<string, Answer> =>
  Object.fromEntries(
    q.sections.flatMap((s) =>
      s.standards.map((st) => [st.id, { answer: 'met', evidence: 'Policy v3, reviewed 2026' } as Answer]),
    ),
  );

describe('self-assessment scoring and critique', () => {
  it('ships a questionnaire covering the required topics', () => {
    expect(q.sections.length).toBe(12);
    const ids = q.sections.flatMap((s) => s.standards.map((st) => st.id));
    for (const id of [
      'lead-named',
      'lead-deputy',
      'training-levels',
      'policy-current',
      'records-coding',
      'records-family',
      'records-referrals',
      'share-consent',
      'was-not-brought',
      'non-mobile-bruising',
      'da-enquiry',
      'da-marac',
      'fgm-reporting',
      'fgm-dataset',
      'exploitation-awareness',
      'prevent-referral',
      'lac-health-assessments',
      'mca-assessment',
      'recruitment-checks',
      'allegations',
      'share-vulnerable-families',
    ]) {
      expect(ids).toContain(id);
    }
    expect(content.practices.length).toBeGreaterThan(0);
  });

  it('says what an answer still lacks', () => {
    expect(missingFor(undefined)).toEqual(['an answer']);
    expect(missingFor({ answer: 'met' })).toEqual(['evidence']);
    expect(missingFor({ answer: 'not-met' })).toEqual(['an action', 'an owner', 'a target date']);
    expect(
      missingFor({ answer: 'partially-met', evidence: 'e', action: 'a', owner: 'o', targetDate: '2027-01-01' }),
    ).toEqual([]);
    expect(missingFor({ answer: 'not-applicable' })).toEqual([]);
  });

  it('rates a practice that meets everything green at 100% with no actions', () => {
    const c = critique(q, allMet());
    expect(c.overall).toMatchObject({ rag: 'green', percent: 100 });
    expect(c.sections.every((s) => s.rag === 'green')).toBe(true);
    expect(c.actions).toEqual([]);
  });

  it('turns a section red when a critical standard is not met, and lists that action first', () => {
    const answers = allMet();
    answers['training-prevent'] = {
      answer: 'partially-met',
      evidence: 'e',
      action: 'Book Prevent level 3',
      owner: 'Practice manager',
      targetDate: '2027-03-01',
    };
    answers['non-mobile-bruising'] = {
      answer: 'not-met',
      action: 'Share the protocol',
      owner: 'Lead GP',
      targetDate: '2027-01-15',
    };
    answers['fgm-dataset'] = {
      answer: 'not-met',
      action: 'Set up submissions',
      owner: 'Practice manager',
      targetDate: '2026-12-31',
    };
    const c = critique(q, answers);
    expect(c.sections.find((s) => s.id === 'children-at-risk')!.rag).toBe('red');
    expect(c.sections.find((s) => s.id === 'training')!.rag).toBe('amber');
    expect(c.sections.find((s) => s.id === 'fgm')!.rag).toBe('red'); // 50%: under 60%
    expect(c.overall.rag).toBe('red');
    expect(c.actions.map((a) => [a.standardId, a.priority])).toEqual([
      ['non-mobile-bruising', 1],
      ['fgm-dataset', 2],
      ['training-prevent', 3],
    ]);
    expect(c.overall.summary).toBe('9 of 12 sections fully met; 1 partly met and 2 needing urgent attention.');
    expect(c.overall.why).toBe(
      'Red because a critical standard is not met in Children: non-attendance and injuries, and Female genital mutilation scored under 60%.',
    );
  });

  it('leaves not-applicable standards out of the score', () => {
    const answers = allMet();
    for (const st of q.sections.find((s) => s.id === 'looked-after-children')!.standards)
      answers[st.id] = { answer: 'not-applicable' };
    const c = critique(q, answers);
    expect(c.sections.find((s) => s.id === 'looked-after-children')).toMatchObject({
      rag: 'green',
      percent: undefined,
    });
    expect(c.overall.percent).toBe(100);
  });
});

const PRACTICE_LEAD = 'eeeeeeee-0000-4000-8000-000000000005';
const PRACTICE_LEAD_2 = 'ffffffff-0000-4000-8000-000000000006';
const OTHER_PRACTICE_LEAD = '99999999-0000-4000-8000-000000000007';
const STAFF = [
  'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code',
  `P1,Asha Patel,asha@nhs.net,${PRACTICE_LEAD},Riverside,clinical,practice-lead,Y90001`,
  `P2,Ben Cole,ben@nhs.net,${PRACTICE_LEAD_2},Riverside,clinical,practice-lead,Y90001`,
  `P3,Cara Diaz,cara@nhs.net,${OTHER_PRACTICE_LEAD},Hillside,clinical,practice-lead,Y90002`,
].join('\n');

describe('the self-assessment over HTTP', () => {
  onlyLoopback();
  let bot: TestBot;

  async function ask(oid: string, body: { text?: string; value?: Record<string, unknown> }) {
    const before = bot.connector.sent.length;
    await bot.say(body.text ?? '', { oid, value: body.value });
    return bot.connector.sent.slice(before);
  }
  const lastCard = (sent: { activity: unknown }[]) => {
    const cards = sent.map((a) => cardOf(a as never)).filter((c): c is Record<string, unknown> => c !== undefined);
    const card = cards[cards.length - 1]!;
    expect(cardProblems(card)).toEqual([]);
    return card;
  };
  const texts = (sent: { activity: { text?: string } }[]) => sent.map((a) => a.activity.text ?? '').join('\n');

  function sectionValues(sectionId: string, answer: (id: string) => Answer): Record<string, string> {
    const out: Record<string, string> = {};
    for (const st of q.sections.find((s) => s.id === sectionId)!.standards) {
      for (const [k, v] of Object.entries(answer(st.id))) out[`${st.id}__${k}`] = String(v);
    }
    return out;
  }
  function etagOf(card: Record<string, unknown>): string {
    const save = (card.actions as { data: { etag: string } }[])[0]!;
    return save.data.etag;
  }

  beforeEach(async () => {
    bot = await startTestBot();
    await importStaff(bot.app.directory, STAFF);
  });
  afterEach(async () => {
    await bot.stop();
  });

  it('takes a practice lead through every section to submission and an instant critique', async () => {
    const overview = lastCard(await ask(PRACTICE_LEAD, { text: 'self-assessment' }));
    expect(cardText(overview)).toContain('0 of 12 sections complete');
    // The progress card lists the 12 sections once, not twice.
    expect(cardText(overview).split('Leadership').length - 1).toBe(1);
    expect(cardText(overview).split('Safer recruitment and allegations').length - 1).toBe(1);
    expect(cardText(overview)).toContain('Riverside Medical Centre (example) (Y90001)');
    let card = lastCard(await ask(PRACTICE_LEAD, { value: { verb: 'assessment.open', section: 'leadership' } }));
    for (let i = 0; i < q.sections.length; i++) {
      const section = q.sections[i]!;
      expect(cardText(card)).toContain(`Section ${i + 1} of 12: ${section.title}`);
      const answer = (id: string): Answer =>
        id === 'fgm-dataset'
          ? {
              answer: 'not-met',
              action: 'Start monthly submissions',
              owner: 'Practice manager',
              targetDate: '2027-02-01',
            }
          : { answer: 'met', evidence: 'Seen in practice policy' };
      const sent = await ask(PRACTICE_LEAD, {
        value: {
          verb: 'assessment.save',
          section: section.id,
          etag: etagOf(card),
          then: 'next',
          ...sectionValues(section.id, answer),
        },
      });
      expect(texts(sent)).toContain(`Saved "${section.title}".`);
      card = lastCard(sent);
    }
    expect(cardText(card)).toContain('Review your answers');
    // The review lists every standard with its answer, evidence and action, not only counts.
    const review = cardText(card);
    expect(review).toContain(q.sections[0]!.standards[0]!.standard);
    expect(review).toContain('Seen in practice policy');
    expect(review).toMatch(/Not met[\s\S]*Start monthly submissions/);
    expect(review).toContain('Practice manager, by 1 February 2027');
    const critiqueSent = await ask(PRACTICE_LEAD, { value: { verb: 'assessment.submit' } });
    const critiqueCard = lastCard(critiqueSent);
    const text = cardText(critiqueCard);
    expect(text).toContain('Your safeguarding self-assessment critique');
    expect(text).toMatch(/Overall: Red \(\d+%\)/);
    // Why it is red, and section ratings in colour.
    expect(text).toContain('Red because Female genital mutilation scored under 60%');
    const colours = JSON.stringify(critiqueCard);
    expect(colours).toMatch(
      /"text":"Red \(50%\)"[^}]*"color":"Attention"|"color":"Attention"[^}]*"text":"Red \(50%\)"/,
    );
    expect(colours).toMatch(/"text":"Green \(100%\)"[^}]*"color":"Good"|"color":"Good"[^}]*"text":"Green \(100%\)"/);
    expect(text).toContain('High: Female genital mutilation (not met)');
    expect(text).toContain('Your plan: Start monthly submissions');

    // Submitted is final: saving again is refused; the overview shows the critique.
    const again = await ask(PRACTICE_LEAD_2, {
      value: {
        verb: 'assessment.save',
        section: 'leadership',
        etag: '',
        then: 'overview',
        ...sectionValues('leadership', () => ({ answer: 'not-met' })),
      },
    });
    expect(texts(again)).toMatch(/already submitted/);

    // Leads see completion and themes; a lead can reopen.
    const status = lastCard(await ask(LEAD_OID, { text: 'assessment status' }));
    expect(cardText(status)).toContain('1 of 6 practices submitted (17%)');
    expect(cardText(status)).toContain('Submitted: 1 · In progress: 0 · Not started: 5');
    const themes = lastCard(await ask(LEAD_OID, { text: 'assessment themes' }));
    expect(cardText(themes)).toContain('1. FGM is recorded and submitted to the FGM enhanced dataset.');
    expect(cardText(themes)).toContain('Female genital mutilation · not met: 1, partially met: 0');
    expect(cardText(themes)).toContain('Standards most often not fully met, across 1 practice submitted.');
    expect(JSON.stringify(themes)).toContain('"style":"attention"');
    expect(texts(await ask(LEAD_OID, { text: 'reopen assessment y90001' }))).toContain(
      'Reopened the self-assessment for Riverside Medical Centre (example)',
    );
    const audit = await bot.app.audit.month(new Date().toISOString().slice(0, 7));
    expect(audit.filter((r) => r.action === 'assessment.reopened')).toEqual([
      expect.objectContaining({ actor: LEAD_OID, subject: { practice: 'Y90001', year: expect.any(Number) } }),
    ]);
    const reopened = lastCard(await ask(PRACTICE_LEAD, { text: 'self-assessment' }));
    expect(cardText(reopened)).toMatch(/Reopened by a safeguarding lead/);
  });

  it('keeps each practice to its own draft, and refuses people who are not practice leads', async () => {
    await ask(PRACTICE_LEAD, {
      value: {
        verb: 'assessment.save',
        section: 'leadership',
        etag: '',
        then: 'overview',
        ...sectionValues('leadership', () => ({ answer: 'met', evidence: 'x' })),
      },
    });
    expect(cardText(lastCard(await ask(PRACTICE_LEAD_2, { text: 'self-assessment' })))).toContain(
      '1 of 12 sections complete',
    );
    expect(cardText(lastCard(await ask(OTHER_PRACTICE_LEAD, { text: 'self-assessment' })))).toContain(
      '0 of 12 sections complete',
    );
    expect(texts(await ask(USER_OID, { text: 'self-assessment' }))).toMatch(/for GP practice safeguarding leads/);
    expect(texts(await ask(USER_OID, { value: { verb: 'assessment.open', section: 'leadership' } }))).toMatch(
      /for GP practice safeguarding leads/,
    );
    expect(texts(await ask(PRACTICE_LEAD, { text: 'assessment status' }))).toMatch(/Only safeguarding leads/);
  });

  it('tells the second of two people saving the same section, and shows them the latest version', async () => {
    const a = lastCard(await ask(PRACTICE_LEAD, { value: { verb: 'assessment.open', section: 'training' } }));
    const b = lastCard(await ask(PRACTICE_LEAD_2, { value: { verb: 'assessment.open', section: 'training' } }));
    await ask(PRACTICE_LEAD, {
      value: {
        verb: 'assessment.save',
        section: 'training',
        etag: etagOf(a),
        then: 'overview',
        ...sectionValues('training', () => ({ answer: 'met', evidence: 'First version' })),
      },
    });
    const second = await ask(PRACTICE_LEAD_2, {
      value: {
        verb: 'assessment.save',
        section: 'training',
        etag: etagOf(b),
        then: 'overview',
        ...sectionValues('training', () => ({ answer: 'not-met' })),
      },
    });
    expect(texts(second)).toMatch(/Someone else in your practice saved "Training" while you were editing \(Asha Patel/);
    expect(JSON.stringify(lastCard(second))).toContain('First version');
    const stored = await bot.app.assessment.store.section('Y90001', q.year, 'training');
    expect(stored?.answers['training-levels']?.evidence).toBe('First version');
  });

  it('refuses patient details in evidence and saves nothing', async () => {
    const sent = await ask(PRACTICE_LEAD, {
      value: {
        verb: 'assessment.save',
        section: 'records',
        etag: '',
        then: 'overview',
        ...sectionValues('records', () => ({ answer: 'met', evidence: 'See Jane Smith DOB 01/02/2016' })),
      },
    });
    expect(texts(sent)).toMatch(/Nothing was saved[\s\S]*patient details/);
    expect(await bot.app.assessment.store.section('Y90001', q.year, 'records')).toBeUndefined();
  });

  it('returns the card after a refused save with everything typed except the refused text, and says which box', async () => {
    const records = q.sections.find((s) => s.id === 'records')!;
    const [first, second] = records.standards;
    const values = sectionValues('records', (id) =>
      id === second!.id
        ? { answer: 'met', evidence: 'See Jane Smith DOB 01/02/2016' }
        : {
            answer: 'partially-met',
            evidence: 'Audit of coding, May',
            action: 'Re-audit',
            owner: 'Practice manager',
            targetDate: '2027-01-31',
          },
    );
    const sent = await ask(PRACTICE_LEAD, {
      value: { verb: 'assessment.save', section: 'records', etag: '', then: 'overview', ...values },
    });
    expect(texts(sent)).toMatch(
      /Nothing was saved[\s\S]*Standard 2, the evidence box: this looks like it contains patient details/,
    );
    const card = lastCard(sent);
    const json = JSON.stringify(card);
    expect(json).not.toContain('Jane Smith');
    expect(cardText(card)).toContain('Section 4 of 12: Records and coding');
    const inputs = new Map<string, unknown>();
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (n && typeof n === 'object') {
        const o = n as Record<string, unknown>;
        if (typeof o.id === 'string' && String(o.type).startsWith('Input.')) inputs.set(o.id, o.value);
        Object.values(o).forEach(walk);
      }
    };
    walk(card);
    expect(inputs.get(`${first!.id}__evidence`)).toBe('Audit of coding, May');
    expect(inputs.get(`${first!.id}__action`)).toBe('Re-audit');
    expect(inputs.get(`${first!.id}__owner`)).toBe('Practice manager');
    expect(inputs.get(`${first!.id}__targetDate`)).toBe('2027-01-31');
    expect(inputs.get(`${first!.id}__answer`)).toBe('partially-met');
    expect(inputs.get(`${second!.id}__answer`)).toBe('met');
    expect(inputs.get(`${second!.id}__evidence`)).toBe('');
    expect(cardText(card)).toMatch(/Standard 2, the evidence box/);
    expect(await bot.app.assessment.store.section('Y90001', q.year, 'records')).toBeUndefined();
  });

  it('resumes a draft after a restart', async () => {
    await ask(PRACTICE_LEAD, {
      value: {
        verb: 'assessment.save',
        section: 'leadership',
        etag: '',
        then: 'overview',
        ...sectionValues('leadership', () => ({ answer: 'met', evidence: 'x' })),
      },
    });
    await bot.stop({ keepData: true, keepConnector: true });
    bot = await startTestBot({}, bot.dataDir, bot.connector);
    const overview = lastCard(await ask(PRACTICE_LEAD, { text: 'self-assessment' }));
    expect(cardText(overview)).toContain('1 of 12 sections complete');
    expect(cardText(overview)).toContain('Start: section 2');
  });
});

describe('leads: CSV export and reminders', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startTestBot();
    await importStaff(bot.app.directory, STAFF);
  });
  afterEach(async () => {
    await bot.stop();
  });
  const reply = async (oid: string, text: string) => {
    const before = bot.connector.sent.length;
    await bot.say(text, { oid });
    return bot.connector.sent
      .slice(before)
      .filter((a) => a.conversationId === `a:personal-${oid}` && !/has not yet submitted/.test(a.activity.text ?? ''))
      .map((a) => a.activity.text ?? '')
      .join('\n');
  };

  it('gives leads a 15-minute CSV link of every answer, and nobody else', async () => {
    await bot.say('', {
      oid: PRACTICE_LEAD,
      value: {
        verb: 'assessment.save',
        section: 'leadership',
        etag: '',
        then: 'overview',
        'lead-named__answer': 'met',
        'lead-named__evidence': '=cmd|evil',
      },
    });
    expect(await reply(PRACTICE_LEAD, 'assessment export')).toMatch(/Only safeguarding leads/);
    const text = await reply(LEAD_OID, 'assessment export');
    const url = /\((http:\/\/localhost:\d+\/exports\?token=[^)]+)\)/.exec(text)![1]!;
    const res = await fetch(url.replace('localhost', '127.0.0.1'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const csv = await res.text();
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe(
      'practice_code,practice_name,year,section,standard_id,standard,answer,evidence,action,owner,target_date,saved_at,submitted_at',
    );
    expect(lines.length).toBe(1 + content.practices.length * 28);
    expect(csv).toContain('Y90001,Riverside Medical Centre (example),2026,Leadership,lead-named,');
    expect(csv).toContain(",Met,'=cmd|evil,");
    expect((await fetch(`${url.replace('localhost', '127.0.0.1')}x`)).status).toBe(404);
    bot.clock.advanceHours(0.26);
    expect((await fetch(url.replace('localhost', '127.0.0.1'))).status).toBe(404);
  });

  it('reminds the practice leads of practices that have not submitted, at most once a week', async () => {
    // Practice leads who have a 1:1 chat with the bot can be reached.
    for (const oid of [PRACTICE_LEAD, OTHER_PRACTICE_LEAD]) await bot.say('help', { oid });
    bot.connector.clear();
    const first = await reply(LEAD_OID, 'remind practices');
    expect(first).toMatch(
      /^Reminded 2 practice leads in 2 practices: Asha Patel \(Riverside Medical Centre \(example\)\) and Cara Diaz \(Hillside Surgery \(example\)\)\./,
    );
    expect(first).toContain(
      '1 practice lead cannot be reached, so no reminder was used up: Ben Cole (Riverside Medical Centre (example)) has not opened a chat with the bot yet.',
    );
    expect(first).toMatch(/4 practices have no practice lead in the staff list: .*Market Street/);
    const nudges = bot.connector.sent.filter((a) => /has not yet submitted/.test(a.activity.text ?? ''));
    expect(nudges.map((a) => a.conversationId).sort()).toEqual([
      `a:personal-${OTHER_PRACTICE_LEAD}`,
      `a:personal-${PRACTICE_LEAD}`,
    ]);
    expect(await reply(LEAD_OID, 'remind practices')).toMatch(
      /Reminded 0 practice leads in 0 practices. 2 practices were reminded in the last 7 days/,
    );
    bot.clock.advanceHours(24 * 7 + 1);
    expect(await reply(LEAD_OID, 'remind practices')).toMatch(/^Reminded 2 practice leads in 2 practices/);
    expect(await reply(PRACTICE_LEAD, 'remind practices')).toMatch(/Only safeguarding leads/);
  });
});
