import { replyWhenReady } from '../chat/slow';
import type { ChatTurn, Notifier } from '../chat/types';
import type { PeopleDirectory, RosterEntry } from '../people/directory';
import { can } from '../people/roles';
import { linkLifetime, toCsv, type ExportLinks } from '../exports';
import { organisationReply } from './cards';
import { countPerson, dayOf, emptyCounts, groupOf, lowest, withPercents, type TeamCounts } from './compliance';
import { personFacts, SUBJECTS, type Completion, type TrainingRules } from './rules';
import type { TrainingRecords } from './store';

/** Organisation-wide compliance, for safeguarding leads: every team side by side, and a CSV of them all. */
export interface OrganisationComplianceDeps {
  rules: TrainingRules;
  store: Pick<TrainingRecords, 'recordsOf'>;
  directory: Pick<PeopleDirectory, 'roster'>;
  notifier: Notifier;
  exports: Pick<ExportLinks, 'link'>;
  now: () => Date;
}

export class OrganisationCompliance {
  constructor(private readonly deps: OrganisationComplianceDeps) {}

  private today(): string {
    return dayOf(this.deps.now());
  }

  /** One row per team: people, then compliant, due soon, overdue and % per subject. */
  async csv(): Promise<{ filename: string; csv: string }> {
    const summaries = await this.summary();
    const header = [
      'team',
      'people',
      ...SUBJECTS.flatMap((s) => [`${s}_compliant`, `${s}_due_soon`, `${s}_overdue_or_missing`, `${s}_percent`]),
    ];
    const rows = summaries.map((t) => [
      t.team,
      t.people,
      ...t.subjects.flatMap((s) => [s.compliant, s.dueSoon, s.overdue, s.percent]),
    ]);
    return { filename: `training-organisation-${this.today()}.csv`, csv: toCsv(header, rows) };
  }

  async show(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'training.organisation')) {
      turn.log.info({ permission: 'training.organisation' }, 'refused');
      return turn.send({ text: 'Organisation-wide compliance is for safeguarding leads.' });
    }
    // Every person's record is read: for a large organisation that can take longer than a turn.
    await replyWhenReady(
      turn,
      this.deps.notifier,
      async () => {
        const summaries = await this.summary();
        if (summaries.length === 0)
          return { text: 'The staff list is empty: import it first (npm run import -- staff).' };
        return this.card(summaries, turn.user.aadObjectId);
      },
      'Working out compliance for every team: for a large organisation this takes a little while. I will send it here when it is ready.',
    );
  }

  /** Every team worst first (see organisationReply), with a link to the CSV of every team. */
  private card(summaries: TeamCounts[], by: string | undefined) {
    const target = Math.round(this.deps.rules.complianceTarget * 100);
    const sorted = [...summaries].sort((a, b) => lowest(a) - lowest(b) || a.team.localeCompare(b.team));
    const { url, expiresAt } = this.deps.exports.link('training-organisation', {}, by);
    return organisationReply(
      sorted,
      target,
      this.today(),
      `[Download every team's figures (CSV)](${url}). The link works ${linkLifetime(expiresAt)}.`,
    );
  }

  /**
   * Every team's counts. The staff list gives each person's team and group (no names); training
   * records are read in batches and counted as they arrive, so memory stays flat however large the
   * organisation is.
   */
  async summary(): Promise<TeamCounts[]> {
    const today = this.today();
    const roster = new Map((await this.deps.directory.roster()).map((p) => [p.id, p] as const));
    const teams = new Map<string, TeamCounts>();
    const count = (person: RosterEntry, completions: Completion[]) => {
      let counts = teams.get(person.team);
      if (!counts) teams.set(person.team, (counts = emptyCounts(person.team)));
      countPerson(counts, personFacts(this.deps.rules, groupOf(this.deps.rules, person), completions, today));
    };
    const counted = new Set<string>();
    for await (const page of this.deps.store.recordsOf([...roster.keys()])) {
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
}
