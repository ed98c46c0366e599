import type { Config } from './config';
import fs from 'node:fs';
import path from 'node:path';
import { createBot } from './bot';
import { buildCapabilities } from './capabilities';
import { DeferredNotifier } from './chat/types';
import { projectRoot } from './config/paths';
import type { Logger } from './logging/logger';
import { ConversationStore } from './people/conversations';
import { PeopleDirectory } from './people/directory';
import { findPatientData, patientDataWarning, registerServiceContacts } from './privacy/patientData';
import { loadReferralContent, overdueForReview } from './referral/content';
import { AuditTrail } from './audit';
import { ContentService } from './content';
import { ExampleContentError, isExampleContent, LiveReferralContent } from './content/live';
import { ContentStore } from './content/store';
import { ContentReviews } from './content/review';
import { LiveFileSet } from './content/sets';
import { assessmentSet, briefingsSet, trainingSet } from './content/setDefinitions';
import { ReferralService } from './referral';
import { setFollowUpRetention } from './referral/followUps';
import { createHttpServer } from './server/http';
import { ExportLinks } from './exports';
import { TrainingService } from './training';
import { loadTrainingRules } from './training/rules';
import { AssessmentService } from './assessment';
import { loadAssessmentContent } from './assessment/content';
import { openStore } from './storage/store';
import { BriefingsService } from './briefings';
import { createImportsCapability } from './imports';
import { ImportReports } from './imports/reportStore';
import { StaffImportRuns } from './imports/runsStore';
import { loadBriefingLibrary } from './briefings/content';

/**
 * The composition root: storage, people, capabilities and the channel, wired once.
 * Used by the real entry point (server/main.ts) and by the HTTP tests alike.
 */
export { commandCatalogue } from './capabilities';
import { RunningApp, StartOptions } from './running';
export { RunningApp, StartOptions } from './running';

/** What a download's audit record keeps of the link's parameters: ids only (never a file name). */
const DOWNLOAD_IDS = new Set(['team', 'year', 'months', 'importId']);

export async function startApp(config: Config, log: Logger, opts: StartOptions = {}): Promise<RunningApp> {
  // Content first: a mistake in it stops start-up before anything is opened.
  const referralContent = opts.referralContent ?? loadReferralContent(path.join(projectRoot(), 'content', 'referral'));
  registerServiceContacts(referralContent.contacts.values());
  const assessmentContent = opts.assessmentContent ?? loadAssessmentContent(path.join(projectRoot(), 'content'));
  const trainingRules = loadTrainingRules(path.join(projectRoot(), 'content', 'training', 'rules.json'));
  const briefingLibrary = opts.briefingLibrary ?? loadBriefingLibrary(path.join(projectRoot(), 'content', 'briefings'));
  const now = opts.now ?? (() => new Date());
  for (const item of overdueForReview(referralContent, now()))
    log.warn({ kind: item.kind, id: item.id, due: item.due }, 'referral content needs review');
  const store = await openStore(config, { log, attachIfRunning: opts.attachToStore });
  try {
    const directory = new PeopleDirectory(store, config.safeguardingLeadIds);
    const linked = await directory.ensureEntraIdLinks(now());
    if (linked) log.info({ people: linked }, 'people imported before Entra id links existed were linked');
    const conversations = new ConversationStore(store);
    const notifier = new DeferredNotifier();
    setFollowUpRetention(config.referralRetentionDays);
    const contentStore = new ContentStore(store);
    const liveContent = new LiveReferralContent(contentStore, referralContent, log);
    await liveContent.start(now(), opts.contentRefreshMs ?? 5000);
    // The other content sets, versioned in the same store (not when a test gave its own content).
    // Each capability keeps the object it was given; a new version is copied into it.
    const briefingStaffGroups = trainingRules.staffGroups.map((g) => ({ id: g.id, label: g.label }));
    const briefingPractices = assessmentContent.practices.map((p) => ({ code: p.code, name: p.name }));
    const contentDir = path.join(projectRoot(), 'content');
    const contentSets = new Map<string, LiveFileSet<unknown>>();
    const definitions = [
      trainingSet(trainingRules, briefingStaffGroups),
      ...(opts.briefingLibrary ? [] : [briefingsSet(briefingLibrary)]),
      ...(opts.assessmentContent ? [] : [assessmentSet(assessmentContent, briefingPractices)]),
    ];
    for (const def of definitions) {
      const live = new LiveFileSet(def as never, contentStore, contentDir, log) as LiveFileSet<unknown>;
      await live.start(now(), opts.contentRefreshMs ?? 5000);
      contentSets.set(live.set, live);
    }
    if (config.production && isExampleContent(liveContent.get()) && !config.allowExampleContent)
      throw new ExampleContentError(liveContent.get().pathway.organisation);
    const audit = new AuditTrail(store, now, config.auditRetentionYears);
    const referral = new ReferralService({
      content: () => liveContent.get(),
      store,
      notifier,
      log,
      now,
      retentionDays: config.referralRetentionDays,
    });
    // Order matters for free text: referral search first, then home's menu.
    let listeningUrl = '';
    const signingKeys = config.exportSigningKeys
      ? [config.exportSigningKeys.current, config.exportSigningKeys.previous]
          .filter((k): k is string => Boolean(k))
          .map((k) => Buffer.from(k, 'utf8'))
      : undefined;
    const exportLinks = new ExportLinks(() => config.publicBaseUrl ?? listeningUrl, now, signingKeys);
    // Every file served through a signed link is recorded against the person the link was made for.
    exportLinks.onDownload = async (d) => {
      const person = d.by ? await directory.findByAadObjectId(d.by).catch(() => undefined) : undefined;
      const ids = Object.fromEntries(Object.entries(d.params).filter(([k]) => DOWNLOAD_IDS.has(k)));
      await audit.note({ aadObjectId: d.by, name: person?.name }, 'export.downloaded', { export: d.kind, ...ids }, log);
    };
    const content = new ContentService({
      store: contentStore,
      live: liveContent,
      audit,
      directory,
      notifier,
      exports: exportLinks,
      now,
      sets: contentSets,
    });
    const contentReviews = new ContentReviews({
      store: contentStore,
      live: liveContent,
      directory,
      notifier,
      audit,
      log,
      now,
    });
    const training = new TrainingService({
      rules: trainingRules,
      store,
      directory,
      notifier,
      now,
      exports: exportLinks,
      conversations,
      audit,
    });
    const upgraded = await training.store.upgradeCourseDocuments();
    if (upgraded)
      log.info({ courses: upgraded }, 'training saved one document per course moved into per-person records');
    // Employee ids compare case-insensitively: fold any stored in lower case by earlier versions.
    const ids = await directory.upgradeEmployeeIds();
    const records = await training.store.upgradeEmployeeIds();
    if (ids.moved || records)
      log.info({ people: ids.moved, records }, 'employee ids stored in lower case moved to upper case');
    if (ids.conflicts.length)
      log.warn(
        { employeeIds: ids.conflicts },
        'people stored under two spellings of one employee id: check the staff list',
      );
    const assessment = new AssessmentService({
      content: assessmentContent,
      store,
      now,
      notifier,
      directory,
      exports: exportLinks,
      conversations,
      audit,
    });
    const briefings = new BriefingsService({
      store,
      directory,
      notifier,
      log,
      now,
      library: briefingLibrary,
      staffGroups: briefingStaffGroups,
      practices: briefingPractices,
      broadcast: config.broadcast,
      audit,
    });
    const imports = createImportsCapability({
      directory,
      training: training.store,
      rules: trainingRules,
      notifier,
      reports: new ImportReports(store, exportLinks, now),
      runs: new StaffImportRuns(store, now),
      audit,
      now,
    });
    const reminderIntervalMs = opts.reminderIntervalMs ?? 60_000;
    const capabilities = buildCapabilities({
      // Cosmos DB deletes closed follow-ups by their time to live; the embedded store needs a sweep.
      timers: { reminderIntervalMs, retentionSweep: store.mode !== 'azure' && reminderIntervalMs > 0 },
      audit,
      imports,
      referral,
      content,
      contentReviews,
      assessment,
      training,
      briefings,
      briefingIntervalMs: opts.briefingIntervalMs ?? 1000,
    });
    const screens = [
      (text: string) => {
        const finding = findPatientData(text, now());
        return finding.kinds.length > 0 ? { text: patientDataWarning(finding) } : undefined;
      },
    ];
    const bot = createBot({ config, log, directory, conversations, capabilities, screens });
    notifier.connect(bot.notifier);
    // Each capability starts its own timers (reminders, the broadcast engine) now the bot can send.
    for (const c of capabilities) c.start?.();
    const server = createHttpServer({ bot, store, log, exports: exportLinks });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, opts.host ?? '0.0.0.0', () => resolve());
    });
    const address = server.address();
    const url = `http://127.0.0.1:${address.port}`;
    listeningUrl = `http://localhost:${address.port}`;
    // What an operator needs to know at start: which version, what content and how many people.
    const live = liveContent.get();
    const people = await directory.countCurrent();
    log.info(
      {
        version: packageVersion(),
        content: {
          organisation: live.pathway.organisation,
          example: isExampleContent(live),
          routes: live.routes.length,
          contacts: live.contacts.size,
          contactsNotFilledIn: [...live.contacts.values()].filter((c) => !c.confirmed).length,
          councilAreas: live.areas.areas.length,
          briefings: briefingLibrary.length,
          selfAssessment: assessmentContent.current.year,
          practices: assessmentContent.practices.length,
          staffGroups: trainingRules.staffGroups.length,
        },
        people,
        storage: store.mode,
      },
      'started',
    );
    return {
      server,
      store,
      bot,
      directory,
      conversations,
      referral,
      assessment,
      training,
      trainingRules,
      briefings,
      liveContent,
      contentReviews,
      contentSets,
      audit,
      capabilities,
      sweepRetention: () => referral.sweepRetention(),
      url,
      async close() {
        liveContent.stop();
        for (const set of contentSets.values()) set.stop();
        for (const c of [...capabilities].reverse()) await c.stop?.();
        await imports.drain();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.server.closeIdleConnections();
        await closed;
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The version in package.json (what an operator compares with the release). */
export function packageVersion(): string {
  try {
    return String(
      (JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version?: string }).version ??
        'unknown',
    );
  } catch {
    return 'unknown';
  }
}
