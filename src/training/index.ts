import type { Notifier } from '../chat/types';
import type { ConversationStore } from '../people/conversations';
import type { PeopleDirectory } from '../people/directory';
import type { ExportLinks } from '../exports';
import type { AuditTrail } from '../audit';
import type { Store } from '../storage/store';
import { MyTraining } from './mine';
import { OrganisationCompliance } from './organisation';
import type { TrainingRules } from './rules';
import { SelfRecording } from './selfRecord';
import { TrainingStore } from './store';
import { TeamCompliance } from './team';

export { createTrainingCapability } from './capability';
export type { TeamCounts, TeamSummary } from './compliance';

/**
 * Mandatory safeguarding training: each person's own status, and team compliance for managers
 * (their team) and safeguarding leads (any team, and the organisation side by side).
 *
 * Where to look: mine.ts (my training), team.ts (a team's card, reminders and CSV),
 * organisation.ts (every team), selfRecord.ts (recording a course and a manager confirming it),
 * importTraining.ts (the CSV import), rules.ts (what counts), record.ts (a person's record and its
 * courses), store.ts (every read and write), cards.ts, verbs.ts and capability.ts (the commands
 * and buttons).
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

export class TrainingService {
  readonly store: TrainingStore;
  readonly mine: MyTraining;
  readonly team: TeamCompliance;
  readonly organisation: OrganisationCompliance;
  readonly selfRecording: SelfRecording;

  constructor(deps: TrainingDeps) {
    const store = (this.store = new TrainingStore(deps.store));
    const now = deps.now ?? (() => new Date());
    const { rules, directory, notifier, exports, conversations, audit } = deps;
    this.mine = new MyTraining({ rules, store, now });
    this.team = new TeamCompliance({ rules, store, directory, notifier, exports, conversations, audit, now });
    this.organisation = new OrganisationCompliance({ rules, store, directory, notifier, exports, now });
    this.selfRecording = new SelfRecording({ rules, store, directory, notifier, audit, now });
    exports.register('training-team', (params) => this.team.csv(params.team ?? ''));
    exports.register('training-organisation', () => this.organisation.csv());
  }
}
