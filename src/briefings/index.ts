import type { AuditTrail } from '../audit';
import type { Notifier } from '../chat/types';
import type { Logger } from '../logging/logger';
import type { PeopleDirectory } from '../people/directory';
import type { Store } from '../storage/store';
import { progressReply, RecipientCard } from './cards';
import { Composing } from './compose';
import type { LibraryBriefing } from './content';
import type { BriefingsContext } from './context';
import { DeliveryEngine } from './engine';
import { Reading } from './read';
import { Reports } from './reports';
import { Rescheduling } from './reschedule';
import { Sending } from './send';
import { BriefingStore } from './store';

export { createBriefingsCapability, type BriefingsCapabilityOptions } from './capability';

/**
 * 7-minute briefings: staff read and acknowledge them (./read.ts); safeguarding leads write or pick
 * one (./compose.ts), choose an audience and send or schedule it (./send.ts), cancel or move it
 * (./reschedule.ts), and watch it go out and chase who has not read it (./reports.ts). The delivery
 * engine (./engine.ts) sends it; ./capability.ts is the command and verb table.
 */
export interface BriefingsDeps {
  store: Store;
  directory: PeopleDirectory;
  notifier: Notifier;
  log: Logger;
  library: LibraryBriefing[];
  staffGroups: { id: string; label: string }[];
  practices: { code: string; name: string }[];
  broadcast: { messagesPerSecond: number; retryBaseMs: number; leaseMs?: number };
  /** Sends, schedules, changes of time, cancellations and reminders are recorded here (ids and counts only). */
  audit: AuditTrail;
  now?: () => Date;
}

export class BriefingsService {
  readonly store: BriefingStore;
  readonly engine: DeliveryEngine;
  readonly read: Reading;
  readonly compose: Composing;
  readonly send: Sending;
  readonly reschedule: Rescheduling;
  readonly reports: Reports;

  // Kept as it was given (a test reads the library it was started with).
  constructor(private readonly deps: BriefingsDeps) {
    this.store = new BriefingStore(deps.store);
    const now = deps.now ?? (() => new Date());
    // One for the engine and the reminders: a broadcast renders the recipients' card once.
    const recipient = new RecipientCard();
    const recipientCard: BriefingsContext['recipientCard'] = (b, d) => recipient.reply(b, d);
    this.engine = new DeliveryEngine(
      {
        store: this.store,
        directory: deps.directory,
        notifier: deps.notifier,
        log: deps.log,
        now,
        deliveryCard: recipientCard,
        progressCard: progressReply,
      },
      deps.broadcast,
    );
    const ctx: BriefingsContext = {
      store: this.store,
      engine: this.engine,
      directory: deps.directory,
      notifier: deps.notifier,
      log: deps.log,
      library: this.deps.library,
      staffGroups: deps.staffGroups,
      practices: deps.practices,
      audit: deps.audit,
      now,
      recipientCard,
    };
    this.read = new Reading(ctx);
    this.compose = new Composing(ctx);
    this.send = new Sending(ctx);
    this.reschedule = new Rescheduling(ctx);
    this.reports = new Reports(ctx);
  }
}
