import type { Notifier } from '../chat/types';
import type { ExportLinks } from '../exports';
import type { AuditTrail } from '../audit';
import type { ConversationStore } from '../people/conversations';
import type { PeopleDirectory } from '../people/directory';
import type { Store } from '../storage/store';
import { Answering } from './answer';
import type { AssessmentContent } from './content';
import { Oversight } from './oversee';
import { PracticeReminders } from './remind';
import { AssessmentStore } from './store';

export { createAssessmentCapability } from './capability';
export { critiqueCard } from './cards';

/**
 * GP practice safeguarding self-assessment: practice leads answer a card per section (shared
 * draft per practice, etag-guarded), review and submit, and get their critique at once;
 * safeguarding leads see completion and themes and can reopen a submission.
 *
 * Where to look: answer.ts (a practice lead answering, saving, submitting, the critique),
 * sectionAnswers.ts (checking what was typed into a section), oversee.ts (status, themes, CSV,
 * reopen), remind.ts (remind practices), scoring.ts (completeness and the critique), content.ts
 * (the questionnaire and practices), store.ts (every read and write), cards.ts, verbs.ts and
 * capability.ts (the commands and buttons).
 */
export interface AssessmentDeps {
  content: AssessmentContent;
  store: Store;
  notifier: Notifier;
  directory: PeopleDirectory;
  exports: ExportLinks;
  /** Who has a 1:1 chat with the bot: only practices with a lead who can be reached use up a weekly slot. */
  conversations: Pick<ConversationStore, 'withChat'>;
  /** Reopened submissions and reminders are recorded here. */
  audit: AuditTrail;
  now?: () => Date;
}

export class AssessmentService {
  readonly store: AssessmentStore;
  readonly answering: Answering;
  readonly oversight: Oversight;
  readonly reminders: PracticeReminders;

  constructor(deps: AssessmentDeps) {
    const store = (this.store = new AssessmentStore(deps.store));
    const now = deps.now ?? (() => new Date());
    const { content, notifier, directory, exports, conversations, audit } = deps;
    this.answering = new Answering({ content, store, now });
    this.oversight = new Oversight({ content, store, exports, audit, now });
    this.reminders = new PracticeReminders({ content, store, directory, notifier, conversations, audit, now });
    exports.register('assessment-answers', (params) => this.oversight.csv(Number(params.year)));
  }
}
