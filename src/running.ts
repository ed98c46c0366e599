import type { Server } from 'restify';
import { type Bot } from './bot';
import { type Capability } from './chat/types';
import { ConversationStore } from './people/conversations';
import { PeopleDirectory } from './people/directory';
import { type ReferralContent } from './referral/content';
import { AuditTrail } from './audit';
import { LiveReferralContent } from './content/live';
import { ContentReviews } from './content/review';
import { LiveFileSet } from './content/sets';
import { ReferralService } from './referral';
import { TrainingService } from './training';
import { type TrainingRules } from './training/rules';
import { AssessmentService } from './assessment';
import { type AssessmentContent } from './assessment/content';
import { type Store } from './storage/store';
import { BriefingsService } from './briefings';
import { type LibraryBriefing } from './briefings/content';

/** What startApp takes and gives back: the options tests and the entry point pass, and the running app. */
export interface RunningApp {
  server: Server;
  store: Store;
  bot: Bot;
  directory: PeopleDirectory;
  conversations: ConversationStore;
  referral: ReferralService;
  assessment: AssessmentService;
  training: TrainingService;
  trainingRules: TrainingRules;
  briefings: BriefingsService;
  /** The live referral content (versions in Cosmos) and the audit trail. */
  liveContent: LiveReferralContent;
  /** The monthly content review cards (tests call run on the first working day). */
  contentReviews: ContentReviews;
  /** The other versioned content sets (briefings, training, assessment), by name. */
  contentSets: Map<string, LiveFileSet<unknown>>;
  audit: AuditTrail;
  /** Every capability, as the bot routes to them (for the test that every verb has one handler). */
  capabilities: readonly Capability[];
  /** Deletes what is past its retention period (closed referral follow-ups); daily with the embedded store. */
  sweepRetention(): Promise<number>;
  /** The base URL the server listens on. */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  host?: string;
  /** Referral content; defaults to content/referral in the repository. */
  referralContent?: ReferralContent;
  /** Self-assessment questionnaire and practices; defaults to content/ in the repository. */
  assessmentContent?: AssessmentContent;
  /** The clock, for tests that move time on. */
  now?: () => Date;
  /** How often due reminders are sent; 0 turns the timer off (tests call sendDueReminders). Default 60 s. */
  reminderIntervalMs?: number;
  /** How often the briefing engine looks for due work; 0 turns it off (tests call tick). Default 1 s. */
  briefingIntervalMs?: number;
  /**
   * Use the embedded store another process already holds for this DATA_DIR (the import command's
   * way in; the broadcast benchmark runs the store in its own process, as Cosmos DB would be).
   */
  attachToStore?: boolean;
  /** How often each instance checks for a newly approved content version; 0 = never (tests call refresh). */
  contentRefreshMs?: number;
  /** The briefing library; defaults to content/briefings in the repository. */
  briefingLibrary?: LibraryBriefing[];
}
