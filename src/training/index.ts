import { z } from 'zod';
import { md } from '../cards/markdown';
import { renderCard } from '../cards/render';
import { replyWhenReady } from '../chat/slow';
import { ukDate } from '../chat/format';
import type { Capability, ChatTurn, Notifier } from '../chat/types';
import type { ConversationStore } from '../people/conversations';
import { CURRENT, type PeopleDirectory, type RosterEntry, type StoredPerson } from '../people/directory';
import { can } from '../people/roles';
import { linkLifetime, toCsv, type ExportLinks } from '../exports';
import type { AuditTrail } from '../audit';
import { auditRefusal } from '../audit/refusals';
import { claimOncePer, releaseClaim } from '../storage/conditional';
import { reminderSummary, type ReminderOutcome } from '../people/reminders';
import { readAll, MANY, type Store } from '../storage/store';
import { isCompliant, personFacts, personStatus, type Completion, SUBJECT_LABELS, SUBJECTS, type Status, type SubjectStatus, type TrainingRules } from './rules';
import { TrainingStore, type CompletionEntry } from './store';
import { describeCompletion, SelfRecording } from './selfRecord';

/**
 * Mandatory safeguarding training: each person's own status, and team compliance for managers
 * (their team) and safeguarding leads (any team, and the organisation side by side).
 */
export interface TrainingDeps {
  rules: TrainingRules;
  store: Store;
  directory: PeopleDirectory;
  notifier: Notifier;
  exports: ExportLinks;
  /** Who has a 1:1 chat with the bot: only they can be reminded, so only they use up a weekly slot. */
  conversations: Pick<ConversationStore, 'withChat'>;
  /** Decisions, reminders and refusals (for another team) are recorded here. */
  audit: AuditTrail;
  now?: () => Date;
}

const STATUS_LABEL: Record<Status, string> = { compliant: 'in date', 'due-soon': 'due soon', overdue: 'overdue', missing: 'missing' };
const STATUS_STYLE: Record<Status, string> = { compliant: 'good', 'due-soon': 'warning', overdue: 'attention', missing: 'attention' };
const REMIND_INTERVAL_MS = 7 * 24 * 3600_000;
const remindSchema = z.object({ verb: z.literal('training.remind'), team: z.string().min(1).max(100) });
const exportSchema = z.object({ verb: z.literal('training.export'), team: z.string().min(1).max(100) });
const openTeamSchema = z.object({ verb: z.literal('training.team'), team: z.string().min(1).max(100) });
/** Teams listed on the organisation card (worst first); every team is in the CSV it links. */
const ORGANISATION_CARD_TEAMS = 40;

/** How many people in a team are in date, due soon and overdue, per subject. */
export interface TeamCounts {
  team: string;
  people: number;
  subjects: { subject: (typeof SUBJECTS)[number]; compliant: number; dueSoon: number; overdue: number; percent: number }[];
}

export interface TeamSummary extends TeamCounts {
  notCompliant: { person: StoredPerson; statuses: SubjectStatus[] }[];
}

const emptyCounts = (team: string): TeamCounts => ({ team, people: 0, subjects: SUBJECTS.map((subject) => ({ subject, compliant: 0, dueSoon: 0, overdue: 0, percent: 0 })) });

/** Adds one person's statuses (in SUBJECTS order) to a team's counts. */
function countPerson(counts: TeamCounts, statuses: Pick<SubjectStatus, 'status'>[]): void {
  counts.people++;
  statuses.forEach((s, i) => {
    const row = counts.subjects[i]!;
    if (s.status === 'due-soon') row.dueSoon++;
    if (isCompliant(s)) row.compliant++;
    else row.overdue++;
  });
}

function withPercents<T extends TeamCounts>(counts: T): T {
  for (const row of counts.subjects) row.percent = counts.people ? Math.round((row.compliant / counts.people) * 100) : 100;
  return counts;
}

export class TrainingService {
  readonly store: TrainingStore;
  readonly selfRecording: SelfRecording;
  private readonly now: () => Date;

  constructor(private readonly deps: TrainingDeps) {
    this.store = new TrainingStore(deps.store);
    this.now = deps.now ?? (() => new Date());
    this.selfRecording = new SelfRecording({ rules: deps.rules, store: this.store, directory: deps.directory, notifier: deps.notifier, audit: deps.audit, now: this.now });
    deps.exports.register('training-team', (params) => this.teamCsv(params.team ?? ''));
    deps.exports.register('training-organisation', () => this.organisationCsv());
  }

  /** One row per person and subject, for a team. */
  async teamCsv(team: string): Promise<{ filename: string; csv: string }> {
    const people = await this.peopleInTeam(team);
    const completions = await this.store.forTeam(team, people.map((p) => p.id));
    const today = this.today();
    const rows = people
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((p) =>
        personStatus(this.deps.rules, this.group(p), completions.get(p.id) ?? [], today).map((s) => [
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
    const header = ['employee_id', 'name', 'team', 'staff_group', 'subject', 'required', 'held_level', 'hours', 'min_hours', 'expires', 'status', 'reasons'];
    return { filename: `training-${(people[0]?.team ?? team).replace(/\W+/g, '-')}-${today}.csv`, csv: toCsv(header, rows) };
  }

  /** One row per team: people, then compliant, due soon, overdue and % per subject. */
  async organisationCsv(): Promise<{ filename: string; csv: string }> {
    const summaries = await this.organisationSummary();
    const header = ['team', 'people', ...SUBJECTS.flatMap((s) => [`${s}_compliant`, `${s}_due_soon`, `${s}_overdue_or_missing`, `${s}_percent`])];
    const rows = summaries.map((t) => [t.team, t.people, ...t.subjects.flatMap((s) => [s.compliant, s.dueSoon, s.overdue, s.percent])]);
    return { filename: `training-organisation-${this.today()}.csv`, csv: toCsv(header, rows) };
  }

  async exportTeam(turn: ChatTurn): Promise<void> {
    const parsed = exportSchema.safeParse(turn.value);
    const team = await this.teamFor(turn, parsed.success ? parsed.data.team : undefined);
    if (!team) return;
    const { url, expiresAt } = this.deps.exports.link('training-team', { team }, turn.user.aadObjectId);
    turn.log.info({ export: 'training-team' }, 'export link issued');
    await turn.send({
      text: `[Download training compliance for ${md(team)} (CSV)](${url}). The link works ${linkLifetime(expiresAt)}.`,
    });
  }

  private today(): string {
    return this.now().toISOString().slice(0, 10);
  }

  private group(person: Pick<StoredPerson, 'staffGroup'>) {
    return this.deps.rules.staffGroups.find((g) => g.id === person.staffGroup) ?? this.deps.rules.staffGroups[0]!;
  }

  async myTraining(turn: ChatTurn): Promise<void> {
    if (!turn.principal.employeeId) {
      return turn.send({ text: 'I cannot find you in the staff list yet, so I do not know which training your role needs. Ask your manager or the safeguarding team to add you.' });
    }
    // The turn already read the person from the directory: no second read.
    const { employeeId, name = '', team = '', staffGroup = '' } = turn.principal;
    const person = { id: employeeId, name, team, staffGroup };
    const completions = await this.store.forPerson(person.id);
    const statuses = personStatus(this.deps.rules, this.group(person), completions, this.today());
    const waiting = completions.filter((c) => c.source === 'self' && !c.confirmed && !c.rejectedAt);
    await turn.send({
      card: renderCard('training/mine', {
        pending: waiting.length ? `Waiting for your manager to confirm (not counted yet): ${waiting.map(describeCompletion).join('; ')}.` : '',
        who: `${md(person.name)} · ${this.group(person).label} · ${md(person.team)}`,
        subjects: statuses.map((s) => ({
          title: SUBJECT_LABELS[s.subject],
          statusLabel: STATUS_LABEL[s.status],
          style: STATUS_STYLE[s.status],
          nextStep: s.nextStep,
          facts: [
            { title: 'Required', value: s.requiredLabel },
            { title: 'Held', value: s.held ? `level ${s.held}` : 'none recorded' },
            ...(s.minHours > 0 ? [{ title: 'Hours (3 years)', value: `${s.hours} of ${s.minHours}` }] : []),
            { title: 'Expires', value: s.expires ? ukDate(s.expires) : 'not applicable' },
            ...(s.reasons.length ? [{ title: 'Why', value: s.reasons.join('; ') }] : []),
          ],
        })),
      }),
      fallbackText: statuses.map((s) => `${SUBJECT_LABELS[s.subject]}: ${STATUS_LABEL[s.status]}`).join('; '),
    });
  }

  /** Pure summary of a set of people, used by the team card and its CSV. */
  summarise(team: string, people: StoredPerson[], completions: Map<string, CompletionEntry[]>): TeamSummary {
    const today = this.today();
    const summary: TeamSummary = { ...emptyCounts(team), notCompliant: [] };
    for (const person of people) {
      const statuses = personStatus(this.deps.rules, this.group(person), completions.get(person.id) ?? [], today);
      countPerson(summary, statuses);
      const failing = statuses.filter((s) => !isCompliant(s));
      if (failing.length) summary.notCompliant.push({ person, statuses: failing });
    }
    summary.notCompliant.sort((a, b) => a.person.name.localeCompare(b.person.name));
    return withPercents(summary);
  }

  async teamSummary(team: string): Promise<TeamSummary> {
    const people = await this.peopleInTeam(team);
    const completions = await this.store.forTeam(team, people.map((p) => p.id));
    // Show the team as the staff list spells it, whatever case it was asked in.
    return this.summarise(people[0]?.team ?? team, people, completions);
  }

  private async peopleInTeam(team: string): Promise<StoredPerson[]> {
    const resources = await readAll(
      this.deps.directory.raw.items.query<StoredPerson>({ query: `SELECT * FROM c WHERE LOWER(c.team) = @team AND ${CURRENT}`, parameters: [{ name: '@team', value: team.toLowerCase() }] }, MANY),
    );
    return resources;
  }

  /** Which team this person asked about, if they may see it; otherwise a polite refusal is sent. */
  private async teamFor(turn: ChatTurn, asked: string | undefined): Promise<string | undefined> {
    const isLead = can(turn.principal, 'training.organisation');
    const isManager = can(turn.principal, 'training.team') && turn.principal.roles.has('manager');
    if (!isLead && !isManager) {
      turn.log.info({ permission: 'training.team' }, 'refused');
      await turn.send({ text: 'Team compliance is for managers and safeguarding leads. You can see your own record with my training.' });
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
      await turn.send({ text: `You can see compliance for your own team (${md(turn.principal.team)}). For other teams, ask the safeguarding team.` });
      return undefined;
    }
    return team;
  }

  async teamCompliance(turn: ChatTurn): Promise<void> {
    const opened = openTeamSchema.safeParse(turn.value);
    const asked = opened.success ? opened.data.team : /^\s*team compliance\s*(.*)$/i.exec(turn.text)?.[1];
    const team = await this.teamFor(turn, asked);
    if (!team) return;
    const summary = await this.teamSummary(team);
    if (summary.people === 0) return turn.send({ text: `There is nobody in the staff list in a team called "${md(team)}".` });
    const target = Math.round(this.deps.rules.complianceTarget * 100);
    // One row per person, with every subject they are not compliant in.
    const rows = summary.notCompliant.map(({ person, statuses }) => ({ name: md(person.name), reason: statuses.map((s) => `${SUBJECT_LABELS[s.subject]}: ${s.reasons.join('; ')}`).join('. ') }));
    await turn.send({
      card: renderCard('training/team', {
        team: summary.team,
        teamLabel: md(summary.team),
        peopleLabel: `${summary.people} ${summary.people === 1 ? 'person' : 'people'}`,
        target,
        today: ukDate(this.today()),
        subjects: summary.subjects.map((s) => ({
          title: SUBJECT_LABELS[s.subject],
          percent: s.percent,
          verdict: s.percent >= target ? '(meets the target)' : '(below the target)',
          compliant: s.compliant,
          dueSoon: s.dueSoon,
          overdue: s.overdue,
          compliantWidth: s.compliant - s.dueSoon,
          dueSoonWidth: s.dueSoon,
          overdueWidth: s.overdue,
        })),
        rows: rows.slice(0, 30),
        more: rows.length > 30 ? `And ${rows.length - 30} more.` : '',
      }),
      fallbackText: `Training compliance for ${summary.team}: ${summary.subjects.map((s) => `${SUBJECT_LABELS[s.subject]} ${s.percent}%`).join(', ')} (target ${target}%)`,
    });
  }

  async organisation(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'training.organisation')) {
      turn.log.info({ permission: 'training.organisation' }, 'refused');
      return turn.send({ text: 'Organisation-wide compliance is for safeguarding leads.' });
    }
    // Every person's record is read: for a large organisation that can take longer than a turn.
    await replyWhenReady(
      turn,
      this.deps.notifier,
      async () => {
        const summaries = await this.organisationSummary();
        if (summaries.length === 0) return { text: 'The staff list is empty: import it first (npm run import -- staff).' };
        return this.organisationCard(summaries, turn.user.aadObjectId);
      },
      'Working out compliance for every team: for a large organisation this takes a little while. I will send it here when it is ready.',
    );
  }

  /**
   * Every team with its figure (the lowest of its subjects) and a bar, worst first; each row opens
   * that team's card. Teams refuses a message over about 100 KB, so the card lists the worst
   * teams and links a CSV of every team.
   */
  private organisationCard(summaries: TeamCounts[], by: string | undefined): { card: Record<string, unknown>; fallbackText: string } {
    const target = Math.round(this.deps.rules.complianceTarget * 100);
    const lowest = (s: TeamCounts) => Math.min(...s.subjects.map((x) => x.percent));
    const sorted = [...summaries].sort((a, b) => lowest(a) - lowest(b) || a.team.localeCompare(b.team));
    const shown = sorted.slice(0, ORGANISATION_CARD_TEAMS);
    const { url, expiresAt } = this.deps.exports.link('training-organisation', {}, by);
    const more = sorted.length - shown.length;
    const below = sorted.filter((s) => lowest(s) < target).length;
    return {
      card: renderCard('training/organisation', {
        target,
        today: ukDate(this.today()),
        headline: `${sorted.length} ${sorted.length === 1 ? 'team' : 'teams'}, worst first: ${below} below the ${target}% target in at least one subject.`,
        teams: shown.map((s) => {
          const worst = s.subjects.reduce((a, b) => (b.percent < a.percent ? b : a));
          return {
            team: s.team,
            line: `${md(s.team)} (${s.people}): ${s.subjects.map((x) => `${SUBJECT_LABELS[x.subject]} ${x.percent}%`).join(' · ')}`,
            percent: worst.percent,
            color: worst.percent >= target ? 'Good' : 'Attention',
            compliantWidth: worst.compliant - worst.dueSoon,
            dueSoonWidth: worst.dueSoon,
            overdueWidth: worst.overdue,
          };
        }),
        more: more ? `…and ${more.toLocaleString('en-GB')} more teams, in the CSV.` : '',
        csvLine: `[Download every team's figures (CSV)](${url}). The link works ${linkLifetime(expiresAt)}.`,
      }),
      fallbackText: `Training compliance by team (target ${target}%)`,
    };
  }

  /**
   * Every team's counts. The staff list gives each person's team and group (no names); training
   * records are read in batches and counted as they arrive, so memory stays flat however large the
   * organisation is.
   */
  async organisationSummary(): Promise<TeamCounts[]> {
    const today = this.today();
    const roster = new Map((await this.deps.directory.roster()).map((p) => [p.id, p] as const));
    const teams = new Map<string, TeamCounts>();
    const count = (person: RosterEntry, completions: Completion[]) => {
      let counts = teams.get(person.team);
      if (!counts) teams.set(person.team, (counts = emptyCounts(person.team)));
      countPerson(counts, personFacts(this.deps.rules, this.group(person), completions, today));
    };
    const counted = new Set<string>();
    for await (const page of this.store.recordsOf([...roster.keys()])) {
      for (const record of page) {
        const person = roster.get(record.employeeId);
        if (!person) continue; // left the staff list
        counted.add(person.id);
        count(person, record.completions());
      }
    }
    for (const person of roster.values()) if (!counted.has(person.id)) count(person, []);
    return [...teams.values()].sort((a, b) => a.team.localeCompare(b.team)).map(withPercents);
  }

  /**
   * One nudge to each person in a team who is not compliant, at most once a week each. The week's
   * slot is claimed only for someone who can be reached (in Teams, with a 1:1 chat with the bot),
   * and given back if the message does not go through.
   */
  async remindOverdue(turn: ChatTurn): Promise<void> {
    const parsed = remindSchema.safeParse(turn.value);
    const team = await this.teamFor(turn, parsed.success ? parsed.data.team : undefined);
    if (!team) return;
    const summary = await this.teamSummary(team);
    const now = this.now();
    const withChat = await this.deps.conversations.withChat(summary.notCompliant.flatMap(({ person }) => (person.aadObjectId ? [person.aadObjectId] : [])));
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
      if (!(await this.claimReminder(person.id, now))) {
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
        await releaseClaim(this.store.container, 'reminder', person.id);
        outcomes.push({ name, outcome: result === 'no-conversation' ? 'no-chat' : 'failed' });
      }
    }
    // The team comes from the card payload: it is logged only when it is a real team (someone is in it), never as typed.
    const reminded = outcomes.filter((o) => o.outcome === 'reminded').length;
    const notReached = outcomes.filter((o) => o.outcome !== 'reminded' && o.outcome !== 'already').length;
    turn.log.info({ team: summary.people ? summary.team : '(no such team)', reminded, notReached }, 'training reminders sent');
    await this.deps.audit.note(turn.user, 'training.reminded', { ...(summary.people ? { team: summary.team } : {}), reminded, notReached }, turn.log);
    await turn.send({ text: reminderSummary(outcomes, { where: ` in ${md(summary.team)}`, named: turn.conversation.kind === 'personal' }) });
  }

  /** One reminder per person per week, claimed by etag. */
  private claimReminder(employeeId: string, now: Date): Promise<boolean> {
    return claimOncePer(this.store.container, 'reminder', employeeId, REMIND_INTERVAL_MS, now, { employeeId, type: 'reminder' });
  }
}

export function createTrainingCapability(service: TrainingService): Capability {
  return {
    name: 'training',
    commands: [
      { name: 'my training', button: 'My training', description: 'Check your safeguarding training levels and when they expire', patterns: [/^\s*my\s+training\s*$/i, /^\s*training\s*$/i], handle: (t) => service.myTraining(t), privileged: true },
      { name: 'team compliance', permission: 'training.team', usage: 'team compliance [team]', button: 'Team compliance', description: "A team's training compliance, with reminders and a CSV", patterns: [/^\s*team compliance\b.*$/i], handle: (t) => service.teamCompliance(t), privileged: true },
      { name: 'organisation compliance', permission: 'training.organisation', description: 'Training compliance for every team side by side', patterns: [/^\s*organi[sz]ation compliance\s*$/i], handle: (t) => service.organisation(t), privileged: true },
    ],
    actions: [
      { verb: 'training.remind', permission: 'training.team', handle: (t) => service.remindOverdue(t), privileged: true },
      { verb: 'training.export', permission: 'training.team', handle: (t) => service.exportTeam(t), privileged: true },
      { verb: 'training.team', permission: 'training.team', handle: (t) => service.teamCompliance(t), privileged: true },
      { verb: 'training.recordCard', handle: (t) => service.selfRecording.showCard(t), privileged: true },
      { verb: 'training.record', handle: (t) => service.selfRecording.record(t), privileged: true },
      // Managers (their own team) and leads; anyone else, and anyone deciding their own, is refused and audited.
      { verb: 'training.confirm', permission: 'training.team', handle: (t) => service.selfRecording.confirm(t), privileged: true },
    ],
  };
}
