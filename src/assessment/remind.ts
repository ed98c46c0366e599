import type { ChatTurn, Notifier } from '../chat/types';
import type { AuditTrail } from '../audit';
import type { ConversationStore } from '../people/conversations';
import type { PeopleDirectory } from '../people/directory';
import { nameList, WHY, type ReminderOutcome } from '../people/reminders';
import type { AssessmentContent, Questionnaire } from './content';
import { refuseUnlessLead } from './oversee';
import type { AssessmentRecords } from './store';

/** "remind practices": a weekly nudge to the leads of practices that have not submitted. */
export interface PracticeRemindersDeps {
  content: AssessmentContent;
  store: Pick<AssessmentRecords, 'allForYear' | 'claimReminder' | 'releaseReminder'>;
  directory: Pick<PeopleDirectory, 'practiceLeads'>;
  notifier: Pick<Notifier, 'sendToPerson'>;
  /** Who has a 1:1 chat with the bot: only practices with a lead who can be reached use up a weekly slot. */
  conversations: Pick<ConversationStore, 'withChat'>;
  /** Reminders are recorded here. */
  audit: Pick<AuditTrail, 'note'>;
  now: () => Date;
}

export class PracticeReminders {
  constructor(private readonly deps: PracticeRemindersDeps) {}

  private get q(): Questionnaire {
    return this.deps.content.current;
  }

  /**
   * One nudge to the practice leads of every practice that has not submitted, at most once a week
   * each. A practice's weekly slot is claimed only when at least one of its leads can be reached,
   * and given back if no message went through.
   */
  async remind(turn: ChatTurn): Promise<void> {
    if (await refuseUnlessLead(turn)) return;
    const now = this.deps.now();
    const { submissions } = await this.deps.store.allForYear(this.q.year);
    const submitted = new Set(submissions.filter((s) => s.status === 'submitted').map((s) => s.practiceCode));
    const leads = await this.deps.directory.practiceLeads();
    const withChat = await this.deps.conversations.withChat(
      leads.flatMap((l) => (l.aadObjectId ? [l.aadObjectId] : [])),
    );
    const outcomes: ReminderOutcome[] = [];
    const practicesReminded: string[] = [];
    const recently: string[] = [];
    const noLead: string[] = [];
    for (const practice of this.deps.content.practices.filter((p) => !submitted.has(p.code))) {
      const practiceLeads = leads.filter((l) => l.practiceCode === practice.code);
      if (practiceLeads.length === 0) {
        noLead.push(practice.name);
        continue;
      }
      const label = (name: string) => `${name} (${practice.name})`;
      const reachable = practiceLeads.filter((l) => l.aadObjectId && withChat.has(l.aadObjectId.toLowerCase()));
      for (const l of practiceLeads)
        if (!reachable.includes(l))
          outcomes.push({ name: label(l.name), outcome: l.aadObjectId ? 'no-chat' : 'not-in-teams' });
      if (reachable.length === 0) continue;
      if (!(await this.deps.store.claimReminder(practice.code, this.q.year, now))) {
        recently.push(practice.name);
        continue;
      }
      let sent = 0;
      for (const lead of reachable) {
        const result = await this.deps.notifier
          .sendToPerson(lead.aadObjectId!, {
            text: `A reminder: ${practice.name} has not yet submitted the ${this.q.title}. Type self-assessment to carry on where your practice left off.`,
          })
          .catch((err: unknown) => {
            turn.log.warn({ err: { message: (err as Error).message } }, 'assessment reminder not delivered');
            return 'failed' as const;
          });
        if (result === 'sent') sent++;
        outcomes.push({
          name: label(lead.name),
          outcome: result === 'sent' ? 'reminded' : result === 'no-conversation' ? 'no-chat' : 'failed',
        });
      }
      if (sent > 0) practicesReminded.push(practice.name);
      else await this.deps.store.releaseReminder(practice.code, this.q.year);
    }
    const named = turn.conversation.kind === 'personal';
    const list = (names: string[]) => (named && names.length ? `: ${nameList(names)}` : '');
    const reminded = outcomes.filter((o) => o.outcome === 'reminded').map((o) => o.name);
    const unreachable = (['no-chat', 'not-in-teams', 'failed'] as const).filter((k) =>
      outcomes.some((o) => o.outcome === k),
    );
    const unreachableCount = outcomes.filter((o) => o.outcome !== 'reminded').length;
    const practices = (n: number) => `${n} ${n === 1 ? 'practice' : 'practices'}`;
    const leadsOf = (n: number) => `${n} practice ${n === 1 ? 'lead' : 'leads'}`;
    turn.log.info(
      {
        practices: practicesReminded.length,
        reminded: reminded.length,
        notReached: unreachableCount,
        noLead: noLead.length,
      },
      'practice reminders sent',
    );
    await this.deps.audit.note(
      turn.user,
      'assessment.reminded',
      {
        year: this.q.year,
        practices: practicesReminded.length,
        reminded: reminded.length,
        notReached: unreachableCount,
      },
      turn.log,
    );
    await turn.send({
      text: [
        `Reminded ${leadsOf(reminded.length)} in ${practices(practicesReminded.length)}${list(reminded)}.`,
        recently.length
          ? `${practices(recently.length)} ${recently.length === 1 ? 'was' : 'were'} reminded in the last 7 days, so not again${list(recently)}.`
          : '',
        unreachableCount
          ? `${leadsOf(unreachableCount)} cannot be reached, so no reminder was used up: ${unreachable
              .map((k) => {
                const names = outcomes.filter((o) => o.outcome === k).map((o) => o.name);
                return `${named ? nameList(names) : names.length} ${WHY[k]}`;
              })
              .join('; ')}.`
          : '',
        noLead.length
          ? `${practices(noLead.length)} ${noLead.length === 1 ? 'has' : 'have'} no practice lead in the staff list${list(noLead)}.`
          : '',
      ]
        .filter(Boolean)
        .join(' '),
    });
  }
}
