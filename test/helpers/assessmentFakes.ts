import {
  REMINDER_INTERVAL_MS,
  type AssessmentRecords,
  type SaveResult,
  type SectionDoc,
  type SubmissionDoc,
} from '../../src/assessment/store';

/**
 * An in-memory self-assessment store with etags: a save or submission under an etag that is no
 * longer current fails as the real store does on a 412 (and a first write where one exists, a 409).
 */
export class FakeAssessmentStore implements AssessmentRecords {
  readonly docs = new Map<string, SectionDoc | SubmissionDoc>();
  readonly reminders = new Map<string, Date>();
  private version = 0;
  /** Runs once, just before the next write: someone else wrote first, so that write's etag is out of date. */
  beforeNextWrite?: (store: FakeAssessmentStore) => void;

  private key(practiceCode: string, id: string): string {
    return `${practiceCode}|${id}`;
  }

  private write<T extends SectionDoc | SubmissionDoc>(doc: T, etag: string | undefined): T | undefined {
    const racer = this.beforeNextWrite;
    this.beforeNextWrite = undefined;
    racer?.(this);
    const current = this.docs.get(this.key(doc.practiceCode, doc.id));
    if (etag ? current?._etag !== etag : current !== undefined) return undefined;
    return this.put(doc);
  }

  /** Someone else's write, whatever was there: any etag read before it is now out of date. */
  put<T extends SectionDoc | SubmissionDoc>(doc: T): T {
    const stored = { ...doc, _etag: `"${++this.version}"` };
    this.docs.set(this.key(doc.practiceCode, doc.id), stored);
    return stored;
  }

  async sections(practiceCode: string, year: number): Promise<SectionDoc[]> {
    return [...this.docs.values()].filter(
      (d): d is SectionDoc => d.type === 'section' && d.practiceCode === practiceCode && d.year === year,
    );
  }

  async section(practiceCode: string, year: number, sectionId: string): Promise<SectionDoc | undefined> {
    return this.docs.get(this.key(practiceCode, `${year}.${sectionId}`)) as SectionDoc | undefined;
  }

  async saveSection(doc: Omit<SectionDoc, 'id' | 'type' | '_etag'>, etag: string): Promise<SaveResult> {
    const saved = this.write<SectionDoc>({ ...doc, id: `${doc.year}.${doc.sectionId}`, type: 'section' }, etag);
    return saved
      ? { ok: true, doc: saved }
      : { ok: false, latest: await this.section(doc.practiceCode, doc.year, doc.sectionId) };
  }

  async submission(practiceCode: string, year: number): Promise<SubmissionDoc | undefined> {
    return this.docs.get(this.key(practiceCode, String(year))) as SubmissionDoc | undefined;
  }

  async putSubmission(doc: SubmissionDoc, etag: string | undefined): Promise<boolean> {
    return this.write(doc, etag) !== undefined;
  }

  async claimReminder(practiceCode: string, year: number, now: Date): Promise<boolean> {
    const key = `${practiceCode}|${year}`;
    const last = this.reminders.get(key);
    if (last && now.getTime() - last.getTime() < REMINDER_INTERVAL_MS) return false;
    this.reminders.set(key, now);
    return true;
  }

  async releaseReminder(practiceCode: string, year: number): Promise<void> {
    this.reminders.delete(`${practiceCode}|${year}`);
  }

  async allForYear(year: number): Promise<{ sections: SectionDoc[]; submissions: SubmissionDoc[] }> {
    const docs = [...this.docs.values()].filter((d) => d.year === year);
    return {
      sections: docs.filter((d): d is SectionDoc => d.type === 'section'),
      submissions: docs.filter((d): d is SubmissionDoc => d.type === 'submission'),
    };
  }
}
