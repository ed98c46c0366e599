import fs from 'node:fs';
import path from 'node:path';
import type { RunningApp } from '../app';
import { projectRoot } from '../config/paths';
import { importStaff } from '../people/staffImport';
import { importTraining } from '../training/importTraining';
import { SUBJECTS } from '../training/rules';
import { loadAssessmentContent } from '../assessment/content';
import { critique, type Answer } from '../assessment/scoring';
import type { BriefingDoc } from '../briefings/store';
import { loadBriefingLibrary } from '../briefings/content';
import { DEMO_DIR, trainingSchema, demoStaff, persona, DAY, isoDaysAgo, coursesFor } from './people';
export {
  DEMO_DIR,
  DemoPerson,
  DemoRefusedError,
  PERSONAS,
  Persona,
  assertDemoAllowed,
  coursesFor,
  demoStaff,
  persona,
} from './people';

/**
 * The demo organisation (content/demo/): a few teams, 40 staff with Entra-style ids, training in
 * every state, GP practices with leads, one sent briefing with some acknowledgements and a half-done
 * self-assessment. Loaded through the same import code and stores as real data. Never in
 * production: `assertDemoAllowed` refuses.
 */

export interface DemoReport {
  staff: string;
  trainingPeople: number;
  briefing: 'added' | 'already there';
  assessment: 'added' | 'already there';
}

export const DEMO_BRIEFING_ID = 'demo-was-not-brought';
/** The practice whose self-assessment is half done, and the one that has submitted. */
export const DEMO_DRAFT_PRACTICE = 'Y90001';
export const DEMO_SUBMITTED_PRACTICE = 'Y90002';

/**
 * Loads the demo organisation into a running app's store. Idempotent: the staff import changes
 * nothing the second time, and training, the briefing and the self-assessment are only added for
 * people and practices that have none yet.
 */
export async function loadDemo(app: RunningApp, now = new Date()): Promise<DemoReport> {
  const rules = app.trainingRules;
  const staffCsv = fs.readFileSync(path.join(DEMO_DIR, 'staff.csv'), 'utf8');
  const staffReport = await importStaff(app.directory, staffCsv, {
    now,
    staffGroups: rules.staffGroups.map((g) => g.id),
  });
  if (staffReport.rejected.length || staffReport.failed.length) {
    throw new Error(
      `content/demo/staff.csv did not import cleanly: ${JSON.stringify([...staffReport.rejected, ...staffReport.failed])}`,
    );
  }
  const staff = new Map(demoStaff().map((p) => [p.employeeId, p] as const));
  const groups = new Map(
    staffCsv
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .map((v) => [v[0]!, v[5]!] as const),
  );

  // Training: a CSV in the import's own format, dated from today, for people with no record yet.
  const training = trainingSchema.parse(JSON.parse(fs.readFileSync(path.join(DEMO_DIR, 'training.json'), 'utf8')));
  const rows = ['employee_id,subject,level,completed_on,hours,provider'];
  let trainingPeople = 0;
  for (const [employeeId, spec] of Object.entries(training.people)) {
    if (!staff.has(employeeId)) throw new Error(`content/demo/training.json: ${employeeId} is not in staff.csv`);
    const mine = SUBJECTS.flatMap((subject) =>
      coursesFor(rules, groups.get(employeeId)!, subject, typeof spec === 'string' ? spec : spec[subject], now).map(
        (c) => [employeeId, subject, c.level, isoDaysAgo(now, c.daysAgo), c.hours, 'Demo e-learning'].join(','),
      ),
    );
    // Someone with nothing recorded has no record; anyone with a record was loaded before.
    if (mine.length === 0 || (await app.training.store.get(employeeId)) !== undefined) continue;
    trainingPeople++;
    rows.push(...mine);
  }
  if (rows.length > 1) {
    const report = await importTraining(app.training.store, app.directory, rules, `${rows.join('\n')}\n`, now);
    if (report.rejected.length || report.failed.length)
      throw new Error(
        `The demo training did not import cleanly: ${JSON.stringify([...report.rejected, ...report.failed])}`,
      );
  }

  const briefing = await loadBriefing(app, now);
  const assessment = await loadAssessment(app, now);
  return {
    staff: `${staffReport.added} added, ${staffReport.updated} updated, ${staffReport.unchanged} unchanged`,
    trainingPeople,
    briefing,
    assessment,
  };
}

/** One library briefing sent to everyone a week ago; some have read and acknowledged it. */
async function loadBriefing(app: RunningApp, now: Date): Promise<DemoReport['briefing']> {
  const store = app.briefings.store;
  if (await store.get(DEMO_BRIEFING_ID)) return 'already there';
  const lead = persona('lead');
  const libraryItems = loadBriefingLibrary(path.join(projectRoot(), 'content', 'briefings'));
  const library = libraryItems.find((b) => b.id === 'was-not-brought') ?? libraryItems[0]!;
  const { id: libraryId, version: _v, reviewDue: _r, sources: _s, ...content } = library;
  const sentAt = new Date(now.getTime() - 7 * DAY);
  const doc: BriefingDoc = {
    id: DEMO_BRIEFING_ID,
    type: 'briefing',
    status: 'sending',
    content,
    libraryId,
    version: 1,
    author: { aadObjectId: lead.aadObjectId, name: lead.name },
    createdAt: sentAt.toISOString(),
    updatedAt: sentAt.toISOString(),
    audience: { kind: 'everyone' },
    confirmedAt: sentAt.toISOString(),
    startedAt: sentAt.toISOString(),
  };
  await store.create(doc);
  // The engine's own queue writer makes one delivery record per person in the staff list.
  const recipients = await app.briefings.engine.enqueue(doc);
  const deliveries = (await store.deliveriesOf(DEMO_BRIEFING_ID)).sort((a, b) =>
    a.recipient.employeeId.localeCompare(b.recipient.employeeId),
  );
  let i = 0;
  for (const d of deliveries) {
    if (d.state !== 'queued') continue; // no Teams account: already "not delivered"
    const n = i++;
    const at = (hours: number) => new Date(sentAt.getTime() + hours * 3600_000).toISOString();
    // Most were delivered; one in seven had not opened a chat with the bot. Of those delivered,
    // about half acknowledged it and some more have seen it.
    const outcome =
      n % 7 === 6
        ? { state: 'failed' as const, reason: 'no-chat' as const }
        : {
            state: 'delivered' as const,
            deliveredAt: at(0.01),
            activityId: `demo-${n}`,
            ...(n % 3 !== 2 ? { seenAt: at(2 + n) } : {}),
            ...(n % 2 === 0 ? { acknowledgedAt: at(3 + n) } : {}),
          };
    const { _etag, ...rest } = d;
    if ((await store.saveDelivery({ ...rest, ...outcome, attempts: 1 }, _etag)) !== 'saved')
      throw new Error('A demo delivery record changed while it was being written');
  }
  // The engine of a running bot may touch the briefing meanwhile (it is 'sending'): read it again and retry.
  for (let attempt = 1; ; attempt++) {
    const { _etag, ...rest } = (await store.get(DEMO_BRIEFING_ID))!;
    const done = {
      ...rest,
      status: 'sent' as const,
      queuedAt: sentAt.toISOString(),
      recipients,
      finishedAt: new Date(sentAt.getTime() + 60_000).toISOString(),
    };
    if ((await store.saveBriefing(done, _etag)) === 'saved') break;
    if (attempt >= 5) throw new Error('The demo briefing kept changing while it was being written');
  }
  return 'added';
}

/** Riverside has done five of its sections (one partly met, with an action); Hillside has submitted. */
async function loadAssessment(app: RunningApp, now: Date): Promise<DemoReport['assessment']> {
  const q = loadAssessmentContent(path.join(projectRoot(), 'content')).current;
  const store = app.assessment.store;
  if ((await store.sections(DEMO_DRAFT_PRACTICE, q.year)).length > 0) return 'already there';
  const target = new Date(now.getTime() + 60 * DAY).toISOString().slice(0, 10);
  const answerFor = (standardIndex: number, sectionIndex: number): Answer =>
    sectionIndex === 2 && standardIndex === 0
      ? {
          answer: 'partially-met',
          evidence: 'Policy written; not yet shared with locum staff.',
          action: 'Add the policy to the locum induction pack.',
          owner: 'Practice manager',
          targetDate: target,
        }
      : { answer: 'met', evidence: 'Checked at the practice safeguarding meeting (demo).' };
  for (const [si, section] of q.sections.slice(0, 5).entries()) {
    const lead = persona('practice-lead');
    await store.saveSection(
      {
        practiceCode: DEMO_DRAFT_PRACTICE,
        year: q.year,
        sectionId: section.id,
        answers: Object.fromEntries(section.standards.map((st, i) => [st.id, answerFor(i, si)] as const)),
        savedBy: lead.name,
        savedAt: new Date(now.getTime() - (5 - si) * DAY).toISOString(),
      },
      '',
    );
  }
  // A practice that has submitted, so assessment status and themes have something to show.
  const answers: Record<string, Answer> = {};
  for (const [si, section] of q.sections.entries()) {
    const sectionAnswers = Object.fromEntries(
      section.standards.map((st, i) => [
        st.id,
        (si + i) % 5 === 0
          ? {
              answer: 'partially-met',
              evidence: 'Partly in place (demo).',
              action: 'Finish this and check it at the next meeting.',
              owner: 'Safeguarding GP',
              targetDate: target,
            }
          : { answer: 'met', evidence: 'In place (demo).' },
      ]),
    ) as Record<string, Answer>;
    Object.assign(answers, sectionAnswers);
    await store.saveSection(
      {
        practiceCode: DEMO_SUBMITTED_PRACTICE,
        year: q.year,
        sectionId: section.id,
        answers: sectionAnswers,
        savedBy: 'Dr Ruth Ellis',
        savedAt: new Date(now.getTime() - 10 * DAY).toISOString(),
      },
      '',
    );
  }
  await store.putSubmission(
    {
      id: String(q.year),
      type: 'submission',
      practiceCode: DEMO_SUBMITTED_PRACTICE,
      year: q.year,
      status: 'submitted',
      submittedAt: new Date(now.getTime() - 9 * DAY).toISOString(),
      submittedBy: 'Dr Ruth Ellis',
      critique: critique(q, answers),
    },
    undefined,
  );
  return 'added';
}
