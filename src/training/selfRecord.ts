import { z } from 'zod';
import { md } from '../cards/markdown';
import type { ChatTurn, Notifier } from '../chat/types';
import { normaliseEmployeeId, type PeopleDirectory, type StoredPerson } from '../people/directory';
import { can } from '../people/roles';
import { containsPatientData } from '../privacy/patientData';
import { confirmReply, recordCard } from './cards';
import { parseTrainingCsv, TRAINING_COLUMNS } from './importTraining';
import { SUBJECT_LABELS, type TrainingRules } from './rules';
import { completionId, type CompletionEntry, type TrainingRecords } from './store';
import { TRAINING_VERBS } from './verbs';
import { ukDate } from '../chat/format';
import type { AuditTrail } from '../audit';
import { auditRefusal } from '../audit/refusals';

/**
 * Staff record a course themselves; it counts once their manager (or a safeguarding lead)
 * confirms it. The row is checked by the same code as the CSV import.
 */
export interface SelfRecordDeps {
  rules: TrainingRules;
  store: Pick<TrainingRecords, 'addSelfRecorded' | 'decideSelfRecorded'>;
  directory: Pick<PeopleDirectory, 'get' | 'managersOf' | 'safeguardingLeads'>;
  notifier: Pick<Notifier, 'sendToPerson'>;
  audit: AuditTrail;
  now: () => Date;
}

/** What the record card submits (every box may be empty: the row check says what is missing). */
export const recordSchema = z.object({
  subject: z.string().max(20).optional(),
  level: z.string().max(2).optional(),
  completedOn: z.string().max(20).optional(),
  hours: z.union([z.string().max(10), z.number()]).optional(),
  provider: z.string().max(200).optional(),
});
/** What the confirm card's two buttons carry. */
export const confirmSchema = z.object({
  employeeId: z.string().min(1).max(40),
  recordId: z.string().min(1).max(64),
  decision: z.enum(['confirm', 'reject']),
});

export function describeCompletion(
  c: Pick<CompletionEntry, 'subject' | 'level' | 'completedOn' | 'hours' | 'provider'>,
): string {
  return `${SUBJECT_LABELS[c.subject]} level ${c.level}, ${ukDate(c.completedOn)}, ${c.hours} h, ${md(c.provider)}`;
}

export class SelfRecording {
  constructor(private readonly deps: SelfRecordDeps) {}

  private today(): string {
    return this.deps.now().toISOString().slice(0, 10);
  }

  private recordCard(values: Parameters<typeof recordCard>[1] = {}, problems = ''): Record<string, unknown> {
    return recordCard(this.today(), values, problems);
  }

  async showCard(turn: ChatTurn): Promise<void> {
    if (!turn.principal.employeeId)
      return turn.send({
        text: 'I cannot find you in the staff list yet, so I cannot record training for you. Ask your manager or the safeguarding team to add you.',
      });
    await turn.send({ card: this.recordCard() });
  }

  /** The record card's data did not match (a box too long): someone not in the staff list is told that first. */
  async recordRefused(turn: ChatTurn): Promise<void> {
    if (!turn.principal.employeeId)
      return turn.send({ text: 'I cannot find you in the staff list yet, so I cannot record training for you.' });
    await turn.send({ card: this.recordCard({}, 'Some of that was too long. Please check it and try again.') });
  }

  async record(turn: ChatTurn, v: z.output<typeof recordSchema>): Promise<void> {
    const employeeId = turn.principal.employeeId;
    if (!employeeId)
      return turn.send({ text: 'I cannot find you in the staff list yet, so I cannot record training for you.' });
    // Free text that is stored and shown to a manager: never patient details, never repeated back.
    if (v.provider && containsPatientData(v.provider)) {
      turn.log.info({ screened: true }, 'self-recorded training not saved: looks like patient data');
      const kept = {
        subject: v.subject ?? '',
        level: v.level ?? '',
        completedOn: v.completedOn ?? '',
        hours: String(v.hours ?? ''),
        provider: '',
      };
      return turn.send({
        card: this.recordCard(
          kept,
          'The provider looks like it may identify a patient (an NHS number, a date of birth, a postcode or a name with one of these), so I have not saved it. Write only who ran the course, for example eLfH or Local study day.',
        ),
      });
    }
    const cell = (x: unknown) => `"${String(x ?? '').replace(/"/g, '""')}"`;
    const csv = `${TRAINING_COLUMNS.join(',')}\n${[employeeId, v.subject, v.level, v.completedOn, v.hours, v.provider].map(cell).join(',')}`;
    const { people, rejected } = parseTrainingCsv(csv, this.deps.rules, this.today());
    const row = people.get(employeeId)?.[0];
    const values = {
      subject: v.subject ?? '',
      level: v.level ?? '',
      completedOn: v.completedOn ?? '',
      hours: String(v.hours ?? ''),
      provider: v.provider ?? '',
    };
    if (!row) {
      const reason = (rejected[0]?.reason ?? 'something is missing')
        .replace(/completed_on/g, 'the date')
        .replace(/employee_id/g, 'your staff number');
      return turn.send({ card: this.recordCard(values, `Please check: ${reason}.`) });
    }
    const { line: _line, ...course } = row;
    const recordId = completionId(employeeId, course);
    const doc: CompletionEntry = {
      ...course,
      source: 'self',
      confirmed: false,
      importedAt: this.deps.now().toISOString(),
    };
    // The turn already read the person from the directory: no second read.
    const person = { id: employeeId, name: turn.principal.name ?? '', team: turn.principal.team ?? '' };
    if ((await this.deps.store.addSelfRecorded(employeeId, person.team, doc)) === 'already')
      return turn.send({ text: 'That course is already on your record.' });
    turn.log.info({ training: 'self-recorded' }, 'training recorded by the person');
    const approvers = await this.approversFor(person);
    let told = 0;
    for (const a of approvers) {
      const sent = await this.deps.notifier
        .sendToPerson(
          a.aadObjectId!,
          confirmReply(person.name, employeeId, recordId, [
            { title: 'Subject', value: SUBJECT_LABELS[doc.subject] },
            { title: 'Level', value: String(doc.level) },
            { title: 'Completed', value: ukDate(doc.completedOn) },
            { title: 'Hours', value: String(doc.hours) },
            { title: 'Provider', value: md(doc.provider) },
            { title: 'Team', value: md(person.team) },
          ]),
        )
        .catch(() => 'failed' as const);
      if (sent === 'sent') told++;
    }
    await turn.send({
      text: `Recorded: ${describeCompletion(doc)}. It will count once ${told ? 'your manager confirms it; I have asked them' : 'your manager or a safeguarding lead confirms it (I could not reach your manager in Teams, so please let them know)'}.`,
    });
  }

  /** Managers of the person's team; if there are none, the safeguarding leads in the directory. */
  private async approversFor(person: Pick<StoredPerson, 'id' | 'team'>): Promise<StoredPerson[]> {
    const managers = (await this.deps.directory.managersOf(person.team)).filter(
      (m) => m.id !== person.id && m.aadObjectId,
    );
    if (managers.length) return managers;
    const leads = await this.deps.directory.safeguardingLeads();
    return leads.filter((l) => l.id !== person.id && l.aadObjectId);
  }

  /** The confirm card's data did not match (an old or tampered card), before anything else is checked. */
  async confirmRefused(turn: ChatTurn): Promise<void> {
    await turn.send({ text: 'I could not tell which record you meant.' });
  }

  async confirm(turn: ChatTurn, data: z.output<typeof confirmSchema>): Promise<void> {
    const { recordId, decision } = data;
    const employeeId = normaliseEmployeeId(data.employeeId);
    const person = await this.deps.directory.get(employeeId);
    const isLead = can(turn.principal, 'training.organisation');
    const isTheirManager =
      turn.principal.roles.has('manager') &&
      person !== undefined &&
      turn.principal.team?.toLowerCase() === person.team.toLowerCase();
    const isThemself = turn.principal.employeeId?.toLowerCase() === employeeId.toLowerCase();
    if (!person || (!isLead && !isTheirManager) || isThemself) {
      turn.log.info({ permission: TRAINING_VERBS.confirm }, 'refused');
      // Someone without training.team is recorded as they press (withRefusalAudit); this is the rest: another team, or their own.
      if (can(turn.principal, 'training.team'))
        await auditRefusal(this.deps.audit, turn, 'training.team', {
          verb: TRAINING_VERBS.confirm,
          reason: isThemself ? 'own record' : 'not their team',
        });
      return turn.send({
        text: "Only the person's manager or a safeguarding lead can confirm their training, and nobody can confirm their own.",
      });
    }
    const at = this.deps.now().toISOString();
    const outcome = await this.deps.store.decideSelfRecorded(employeeId, person.team, recordId, {
      decision,
      by: turn.principal.name ?? 'a manager',
      at,
    });
    if (outcome.kind === 'gone') return turn.send({ text: 'That course is no longer on their record.' });
    if (outcome.kind === 'imported')
      return turn.send({
        text: 'That course has since arrived from the training records import, so it already counts.',
      });
    const doc = outcome.entry;
    if (outcome.kind === 'decided')
      return turn.send({
        text: `That record was already ${doc.confirmed ? 'confirmed' : 'marked as not confirmed'} by ${md(doc.decidedBy ?? 'someone')}.`,
      });
    turn.log.info({ training: decision }, 'self-recorded training decided');
    await this.deps.audit.note(
      turn.user,
      decision === 'confirm' ? 'training.confirmed' : 'training.declined',
      { employee: employeeId, record: recordId },
      turn.log,
    );
    await turn.send({
      text:
        decision === 'confirm'
          ? `Confirmed: ${describeCompletion(doc)} now counts for ${md(person.name)}.`
          : `Noted: ${describeCompletion(doc)} will not count for ${md(person.name)}. I have told them.`,
    });
    if (person.aadObjectId) {
      await this.deps.notifier
        .sendToPerson(person.aadObjectId, {
          text:
            decision === 'confirm'
              ? `${md(turn.principal.name ?? 'Your manager')} confirmed your training: ${describeCompletion(doc)}. It now counts. Type my training to see your record.`
              : `${md(turn.principal.name ?? 'Your manager')} could not confirm your training: ${describeCompletion(doc)}. Please talk to them about it.`,
        })
        .catch(() => undefined);
    }
  }
}
