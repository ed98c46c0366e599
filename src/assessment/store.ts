import type { Container } from '@azure/cosmos';
import { claimOncePer, releaseClaim, writeIfUnchanged } from '../storage/conditional';
import { readAll, MANY, type Store } from '../storage/store';
import type { Answer, Critique } from './scoring';

/**
 * One document per practice, year and section (so two people saving different sections never
 * collide, and two saving the same section are caught by its etag), and one submission document
 * per practice and year.
 */
export interface SectionDoc {
  id: string; // `${year}.${sectionId}`
  type: 'section';
  practiceCode: string;
  year: number;
  sectionId: string;
  answers: Record<string, Answer>;
  savedBy: string;
  savedAt: string;
  _etag?: string;
}

export interface SubmissionDoc {
  id: string; // `${year}`
  type: 'submission';
  practiceCode: string;
  year: number;
  status: 'submitted' | 'reopened';
  submittedAt?: string;
  submittedBy?: string;
  critique?: Critique;
  reopenedAt?: string;
  reopenedBy?: string;
  _etag?: string;
}

export const REMINDER_INTERVAL_MS = 7 * 24 * 3600_000;

export type SaveResult = { ok: true; doc: SectionDoc } | { ok: false; latest?: SectionDoc };

/** What the self-assessment handlers ask of the store (the handler tests give them an in-memory one). */
export type AssessmentRecords = Pick<
  AssessmentStore,
  | 'sections'
  | 'section'
  | 'saveSection'
  | 'submission'
  | 'putSubmission'
  | 'claimReminder'
  | 'releaseReminder'
  | 'allForYear'
>;

export class AssessmentStore {
  private readonly container: Container;

  constructor(store: Store) {
    this.container = store.container('assessments');
  }

  async sections(practiceCode: string, year: number): Promise<SectionDoc[]> {
    const resources = await readAll(
      this.container.items.query<SectionDoc>(
        // The partition key is in the WHERE clause too: the embedded server ignores the partitionKey option.
        {
          query: "SELECT * FROM c WHERE c.practiceCode = @practice AND c.type = 'section' AND c.year = @year",
          parameters: [
            { name: '@practice', value: practiceCode },
            { name: '@year', value: year },
          ],
        },
        { partitionKey: practiceCode },
      ),
    );
    return resources;
  }

  async section(practiceCode: string, year: number, sectionId: string): Promise<SectionDoc | undefined> {
    const { resource } = await this.container.item(`${year}.${sectionId}`, practiceCode).read<SectionDoc>();
    return resource;
  }

  /** Saves a section only if nobody else saved it since `etag` (empty for a section never saved). */
  async saveSection(doc: Omit<SectionDoc, 'id' | 'type' | '_etag'>, etag: string): Promise<SaveResult> {
    const full: SectionDoc = { ...doc, id: `${doc.year}.${doc.sectionId}`, type: 'section' };
    try {
      const { resource } = etag
        ? await this.container
            .item(full.id, doc.practiceCode)
            .replace<SectionDoc>(full, { accessCondition: { type: 'IfMatch', condition: etag } })
        : await this.container.items.create<SectionDoc>(full);
      return { ok: true, doc: resource! };
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code !== 412 && code !== 409) throw err;
      return { ok: false, latest: await this.section(doc.practiceCode, doc.year, doc.sectionId) };
    }
  }

  async submission(practiceCode: string, year: number): Promise<SubmissionDoc | undefined> {
    const { resource } = await this.container.item(String(year), practiceCode).read<SubmissionDoc>();
    return resource;
  }

  /** Writes the submission document under its etag; false if someone changed it first. */
  putSubmission(doc: SubmissionDoc, etag: string | undefined): Promise<boolean> {
    return writeIfUnchanged(this.container, doc, doc.practiceCode, etag);
  }

  /** Gives back this week's reminder slot: no lead of the practice got the message. */
  releaseReminder(practiceCode: string, year: number): Promise<void> {
    return releaseClaim(this.container, `${year}.reminder`, practiceCode);
  }

  /** Claims this week's reminder for a practice: true for exactly one caller, at most once in 7 days. */
  claimReminder(practiceCode: string, year: number, now: Date): Promise<boolean> {
    return claimOncePer(this.container, `${year}.reminder`, practiceCode, REMINDER_INTERVAL_MS, now, {
      type: 'reminder',
      practiceCode,
      year,
    });
  }

  /** Every practice's documents for a year, for the leads' overview and themes. */
  async allForYear(year: number): Promise<{ sections: SectionDoc[]; submissions: SubmissionDoc[] }> {
    const resources = await readAll(
      this.container.items.query<SectionDoc | SubmissionDoc>(
        { query: 'SELECT * FROM c WHERE c.year = @year', parameters: [{ name: '@year', value: year }] },
        MANY,
      ),
    );
    return {
      sections: resources.filter((r): r is SectionDoc => r.type === 'section'),
      submissions: resources.filter((r): r is SubmissionDoc => r.type === 'submission'),
    };
  }
}
