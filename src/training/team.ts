import { md } from '../cards/markdown';
import type { ChatTurn, Notifier } from '../chat/types';
import type { ConversationStore } from '../people/conversations';
import type { PeopleDirectory } from '../people/directory';
import { reminderSummary, type ReminderOutcome } from '../people/reminders';
import { can } from '../people/roles';
import { linkLifetime, toCsv, type ExportLinks } from '../exports';
import type { AuditTrail } from '../audit';
import { auditRefusal } from '../audit/refusals';
import { teamReply } from './cards';
import { dayOf, groupOf, STATUS_LABEL, summarise, type TeamSummary } from './compliance';
import { personStatus, SUBJECT_LABELS, type TrainingRules } from './rules';
import type { TrainingRecords } from './store';

/**
 * A team's compliance, for managers (their own team) and safeguarding leads (any team): the team
 * card, its CSV, and a weekly reminder to everyone in it who is not compliant.
 */
export interface TeamComplianceDeps {
  rules: TrainingRules;
  store: Pick<TrainingRecords, 'forTeam' | 'claimReminder' | 'releaseReminder'>;
  directory: Pick<PeopleDirectory, 'teamMembers'>;
  notifier: Pick<Notifier, 'sendToPerson'>;
  exports: Pick<ExportLinks, 'link'>;
  /** Who has a 1:1 chat with the bot: only they can be reminded, so only they use up a weekly slot. */
  conversations: Pick<ConversationStore, 'withChat'>;
  /** Reminders and refusals (for another team) are recorded here. */
  audit: AuditTrail;
  now: () => Date;
}

/** The reply to anyone who is neither a manager nor a safeguarding lead. */
export async function refuseTeam(turn: ChatTurn): Promise<void> {
  turn.log.info({ permission: 'training.team' }, 'refused');
  await turn.send({
    text: 'Team compliance is for managers and safeguarding leads. You can see your own record with my training.',
  });
}

export class TeamCompliance {
  constructor(private readonly deps: TeamComplianceDeps) {}

  private today(): string {
    return dayOf(this.deps.now());
  }

  /** One row per person and subject, for a team. */
  async csv(team: string): Promise<{ filename: string; csv: string }> {
    const people = await this.deps.directory.teamMembers(team);
    const completions = await this.deps.store.forTeam(
      team,
      people.map((p) => p.id),
    );
    const today = this.today();
    const rows = people
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((p) =>
        personStatus(this.deps.rules, groupOf(this.deps.rules, p), completions.get(p.id) ?? [], today).map((s) => [
          p.id,
          p.name,
          p.team,
          p.staffGroup,
          s.subject,
          s.requiredLabel,
          s.held ?? '',
          s.hours,
          s.minHours,
          s.expires ?? '',
          STATUS_LABEL[s.status],
          s.reasons.join('; '),
        ]),
      );
    const header = [
      'employee_id',
      'name',
      'team',
      'staff_group',
      'subject',
      'required',
      'held_level',
      'hours',
      'min_hours',
      'expires',
      'status',
      'reasons',
    ];
    return {
      filename: `training-${(people[0]?.team ?? team).replace(/\W+/g, '-')}-${today}.csv`,
      csv: toCsv(header, rows),
    };
  }

  async summary(team: string): Promise<TeamSummary> {
    const people = await this.deps.directory.teamMembers(team);
    const completions = await this.deps.store.forTeam(
      team,
      people.map((p) => p.id),
    );
    // Show the team as the staff list spells it, whatever case it was asked in.
    return summarise(this.deps.rules, people[0]?.team ?? team, people, completions, this.today());
  }

  /** Which team this person asked about, if they may see it; otherwise a polite refusal is sent. */
  private async teamFor(turn: ChatTurn, asked: string | undefined): Promise<string | undefined> {
    const isLead = can(turn.principal, 'training.organisation');
    const isManager = can(turn.principal, 'training.team') && turn.principal.roles.has('manager');
    if (!isLead && !isManager) {
      await refuseTeam(turn);
      return undefined;
    }
    const team = asked?.trim() || turn.principal.team;
    if (!team) {
      await turn.send({ text: 'Which team? For example: team compliance Continuing Care' });
      return undefined;
    }
    if (!isLead && team.toLowerCase() !== turn.principal.team?.toLowerCase()) {
      turn.log.info({ permission: 'training.team', other: true }, 'refused');
      // Declared permission held, but not for this team: recorded here (the name of the team asked for is not).
      await auditRefusal(this.deps.audit, turn, 'training.team', { reason: 'another team' });
      await turn.send({
        text: `You can see compliance for your own team (${md(turn.principal.team)}). For other teams, ask the safeguarding team.`,
      });
      return undefined;
    }
    return team;
  }

  /** The team card: `asked` is the team typed after the command or carried by a button; the person's own team when absent. */
  async show(turn: ChatTurn, asked: string | undefined): Promise<void> {
    const team = await this.teamFor(turn, asked);
    if (!team) return;
    const summary = await this.summary(team);
    if (summary.people === 0)
      return turn.send({ text: `There is nobody in the staff list in a team called "${md(team)}".` });
    await turn.send(teamReply(summary, Math.round(this.deps.rules.complianceTarget * 100), this.today()));
  }

  async exportLink(turn: ChatTurn, asked: string | undefined): Promise<void> {
    const team = await this.teamFor(turn, asked);
    if (!team) return;
    const { url, expiresAt } = this.deps.exports.link('training-team', { team }, turn.user.aadObjectId);
    turn.log.info({ export: 'training-team' }, 'export link issued');
    await turn.send({
      text: `[Download training compliance for ${md(team)} (CSV)](${url}). The link works ${linkLifetime(expiresAt)}.`,
    });
  }

  /**
   * One nudge to each person in a team who is not compliant, at most once a week each. The week's
   * slot is claimed only for someone who can be reached (in Teams, with a 1:1 chat with the bot),
   * and given back if the message does not go through.
   */
  async remind(turn: ChatTurn, asked: string | undefined): Promise<void> {
    const team = await this.teamFor(turn, asked);
    if (!team) return;
    const summary = await this.summary(team);
    const now = this.deps.now();
    const withChat = await this.deps.conversations.withChat(
      summary.notCompliant.flatMap(({ person }) => (person.aadObjectId ? [person.aadObjectId] : [])),
    );
    const outcomes: ReminderOutcome[] = [];
    for (const { person, statuses } of summary.notCompliant) {
      const name = person.name;
      if (!person.aadObjectId) {
        outcomes.push({ name, outcome: 'not-in-teams' });
        continue;
      }
      if (!withChat.has(person.aadObjectId.toLowerCase())) {
        outcomes.push({ name, outcome: 'no-chat' });
        continue;
      }
      if (!(await this.deps.store.claimReminder(person.id, now))) {
        outcomes.push({ name, outcome: 'already' });
        continue;
      }
      const result = await this.deps.notifier
        .sendToPerson(person.aadObjectId, {
          text: `A reminder from your manager: your safeguarding training needs attention (${statuses.map((s) => `${SUBJECT_LABELS[s.subject]}: ${s.reasons.join('; ')}`).join('. ')}). Type my training for details.`,
        })
        .catch((err: unknown) => {
          turn.log.warn({ err: { message: (err as Error).message } }, 'training reminder not delivered');
          return 'failed' as const;
        });
      if (result === 'sent') outcomes.push({ name, outcome: 'reminded' });
      else {
        await this.deps.store.releaseReminder(person.id);
        outcomes.push({ name, outcome: result === 'no-conversation' ? 'no-chat' : 'failed' });
      }
    }
    // The team comes from the card payload: it is logged only when it is a real team (someone is in it), never as typed.
    const reminded = outcomes.filter((o) => o.outcome === 'reminded').length;
    const notReached = outcomes.filter((o) => o.outcome !== 'reminded' && o.outcome !== 'already').length;
    turn.log.info(
      { team: summary.people ? summary.team : '(no such team)', reminded, notReached },
      'training reminders sent',
    );
    await this.deps.audit.note(
      turn.user,
      'training.reminded',
      { ...(summary.people ? { team: summary.team } : {}), reminded, notReached },
      turn.log,
    );
    await turn.send({
      text: reminderSummary(outcomes, {
        where: ` in ${md(summary.team)}`,
        named: turn.conversation.kind === 'personal',
      }),
    });
  }
}
