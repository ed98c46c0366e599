import path from 'node:path';
import pino from 'pino';
import { createBriefingsCapability } from '../../src/briefings/capability';
import { RecipientCard } from '../../src/briefings/cards';
import { Composing } from '../../src/briefings/compose';
import { loadBriefingLibrary } from '../../src/briefings/content';
import type { BriefingsContext } from '../../src/briefings/context';
import { Pacer } from '../../src/briefings/pacer';
import type { Recipient } from '../../src/briefings/queue';
import { Reading } from '../../src/briefings/read';
import { Reports } from '../../src/briefings/reports';
import { Rescheduling } from '../../src/briefings/reschedule';
import { Sending } from '../../src/briefings/send';
import type { Audience, BriefingDoc, BriefingStatus, DeliveryDoc } from '../../src/briefings/store';
import type { CardAction, Command, ExecuteAction, Notifier, Reply } from '../../src/chat/types';
import { projectRoot } from '../../src/config/paths';

type BriefingRecords = BriefingsContext['store'];

/**
 * An in-memory briefings store with etags, for handler tests: every write is conditional on the
 * etag read, as in Cosmos, and `loseNext` makes the next conditional writes lose a race (after
 * `meanwhile`, the other writer, has changed the document).
 */
export class FakeBriefingStore implements BriefingRecords {
  readonly briefings = new Map<string, BriefingDoc>();
  readonly deliveries = new Map<string, DeliveryDoc>();
  readonly reachableIds = new Set<string>();
  /** Conditional writes that went through. */
  writes = 0;
  private etags = 0;
  private readonly races: (() => void)[] = [];

  private stamp<T extends object>(doc: T): T & { _etag: string } {
    return { ...doc, _etag: `"${++this.etags}"` };
  }

  /** Seeds (or, as another writer, changes) a briefing; a new etag each time. */
  put(doc: Omit<BriefingDoc, '_etag'>): BriefingDoc {
    const stored = this.stamp(doc);
    this.briefings.set(doc.id, stored);
    return structuredClone(stored);
  }

  putDelivery(doc: Omit<DeliveryDoc, '_etag'>): DeliveryDoc {
    const stored = this.stamp(doc);
    this.deliveries.set(`${doc.briefingId}/${doc.id}`, stored);
    return structuredClone(stored);
  }

  /** The next `times` conditional writes lose: `meanwhile` runs before each (someone else writing first). */
  loseNext(times = 1, meanwhile: () => void = () => undefined): void {
    for (let i = 0; i < times; i++) this.races.push(meanwhile);
  }

  private lost(): boolean {
    const race = this.races.shift();
    race?.();
    return race !== undefined;
  }

  async get(id: string): Promise<BriefingDoc | undefined> {
    const b = this.briefings.get(id);
    return b ? structuredClone(b) : undefined;
  }

  async list(filter: { status?: BriefingStatus[]; author?: string }, top = 50): Promise<BriefingDoc[]> {
    return [...this.briefings.values()]
      .filter(
        (b) =>
          (!filter.status || filter.status.includes(b.status)) &&
          (!filter.author || b.author.aadObjectId === filter.author),
      )
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .slice(0, top)
      .map((b) => structuredClone(b));
  }

  /** The real store reuses this list for a few seconds; the fake reads it every time. */
  async recentlySent(top = 30): Promise<BriefingDoc[]> {
    return this.list({ status: ['sending', 'sent'] }, top);
  }

  async delivery(briefingId: string, id: string): Promise<DeliveryDoc | undefined> {
    const d = this.deliveries.get(`${briefingId}/${id}`);
    return d ? structuredClone(d) : undefined;
  }

  async deliveriesOf(briefingId: string): Promise<DeliveryDoc[]> {
    return [...this.deliveries.values()].filter((d) => d.briefingId === briefingId).map((d) => structuredClone(d));
  }

  async unseenFor(aadObjectId: string): Promise<DeliveryDoc[]> {
    return [...this.deliveries.values()]
      .filter((d) => d.recipient.aadObjectId === aadObjectId && d.state === 'delivered' && !d.seenAt)
      .map((d) => structuredClone(d));
  }

  async reachable(): Promise<Set<string>> {
    return new Set(this.reachableIds);
  }

  async create(doc: BriefingDoc): Promise<BriefingDoc> {
    this.writes++;
    return this.put(doc);
  }

  async saveBriefing(next: BriefingDoc, etag: string | undefined): Promise<'saved' | 'changed'> {
    if (this.lost() || this.briefings.get(next.id)?._etag !== etag) return 'changed';
    this.writes++;
    this.put(next);
    return 'saved';
  }

  private saveDelivery(next: DeliveryDoc, etag: string | undefined): 'saved' | 'changed' {
    if (this.lost() || this.deliveries.get(`${next.briefingId}/${next.id}`)?._etag !== etag) return 'changed';
    this.writes++;
    this.putDelivery(next);
    return 'saved';
  }

  async acknowledge(delivery: DeliveryDoc, at: string): Promise<'saved' | 'changed'> {
    return this.saveDelivery({ ...delivery, acknowledgedAt: at, seenAt: delivery.seenAt ?? at }, delivery._etag);
  }

  async markSeen(delivery: DeliveryDoc, at: string): Promise<'saved' | 'changed'> {
    return this.saveDelivery({ ...delivery, seenAt: at }, delivery._etag);
  }

  async claimReminder(delivery: DeliveryDoc, at: string): Promise<boolean> {
    return this.saveDelivery({ ...delivery, remindedAt: at }, delivery._etag) === 'saved';
  }
}

export const LIBRARY = loadBriefingLibrary(path.join(projectRoot(), 'content', 'briefings'));

/** A notifier that records what it was asked to send, and always reaches the person. */
export class RecordingNotifier implements Notifier {
  readonly delivered: { to: string; reply: Reply }[] = [];
  async hasChat(): Promise<boolean> {
    return true;
  }
  async sendToPerson(to: string, reply: Reply): Promise<'sent'> {
    this.delivered.push({ to, reply });
    return 'sent';
  }
  async deliver(
    to: string,
    reply: Reply,
    opts?: { beforeSend?: () => Promise<void> },
  ): Promise<{ activityId: string; conversationId: string }> {
    await opts?.beforeSend?.();
    this.delivered.push({ to, reply });
    return { activityId: String(this.delivered.length), conversationId: `a:${to}` };
  }
  async update(): Promise<void> {}
  async recreateConversation(): Promise<boolean> {
    return false;
  }
}

export interface BriefingsHarness {
  store: FakeBriefingStore;
  notifier: RecordingNotifier;
  /** Audit notes: [action, subject]. */
  audited: [string, Record<string, unknown>][];
  /** Briefings handed to the engine to send. */
  worked: string[];
  /** The staff list the audience is resolved against. */
  staff: (Recipient & { staffGroup: string; practiceCode?: string })[];
  command(name: string): Command;
  action(verb: string): CardAction;
  execute(verb: string): ExecuteAction;
  reading: Reading;
  reports: Reports;
  /** The business clock: move `now` on to make time pass. */
  clock: { now: Date };
}

const silent = pino({ level: 'silent' });

/** The briefings capability on the fake store, a recording notifier and an engine that only notes what it is asked to send. */
export function briefingsHarness(store = new FakeBriefingStore()): BriefingsHarness {
  const field = { teams: 'team', staffGroups: 'staffGroup', practices: 'practiceCode' } as const;
  const recipient = new RecipientCard();
  const audited: BriefingsHarness['audited'] = [];
  const worked: string[] = [];
  const staff: BriefingsHarness['staff'] = [];
  const notifier = new RecordingNotifier();
  const clock = { now: new Date('2026-11-23T09:00:00Z') };
  const ctx: BriefingsContext = {
    store,
    engine: {
      resolveAudience: async (a: Audience) =>
        staff.filter((p) => a.kind === 'everyone' || a.values.includes(p[field[a.kind]] ?? '')),
      work: async (id: string) => void worked.push(id),
      pacer: new Pacer({ ratePerSecond: 1000 }),
    },
    directory: { currentTeams: async () => new Set(staff.map((p) => p.team)) },
    notifier,
    log: silent,
    library: LIBRARY,
    staffGroups: [
      { id: 'clinical', label: 'Clinical staff' },
      { id: 'all-staff', label: 'All staff' },
    ],
    practices: [{ code: 'Y90001', name: 'Riverside Surgery' }],
    audit: {
      note: async (_actor, action, subject) => {
        audited.push([action, subject]);
        return true;
      },
    },
    now: () => clock.now,
    recipientCard: (b, d) => recipient.reply(b, d),
  };
  const reading = new Reading(ctx);
  const reports = new Reports(ctx);
  const capability = createBriefingsCapability(
    {
      read: reading,
      compose: new Composing(ctx),
      send: new Sending(ctx),
      reschedule: new Rescheduling(ctx),
      reports,
      engine: { start: () => undefined, stop: async () => undefined },
    },
    { engineIntervalMs: 0 },
  );
  return {
    store,
    notifier,
    audited,
    worked,
    staff,
    clock,
    command: (name) => capability.commands!.find((c) => c.name === name)!,
    action: (verb) => capability.actions!.find((a) => a.verb === verb)!,
    execute: (verb) => capability.executes!.find((a) => a.verb === verb)!,
    reading,
    reports,
  };
}
