import { linkLifetime, toCsv, type ExportFile } from '../exports';
import type { AuditAction, AuditRecord, AuditTrail, AuditValue } from '.';

/**
 * What `audit log` shows and its CSV holds: every record of this month and last, in words, with
 * ids and counts only (the records hold nothing else). Filtered by kind (the first part of the
 * action: `briefing`, `import`...; `refused` for every refusal) or by a person's name or object id.
 */
export const AUDIT_WORDS: Record<AuditAction, string> = {
  'content.proposed': 'proposed a content change',
  'content.approved': 'approved a content change',
  'content.declined': 'declined a content change',
  'content.refused': 'was refused a content action',
  'content.approval-refused': 'was refused approving their own change',
  'content.reviewed': 'confirmed content as still correct',
  'briefing.sent': 'sent a briefing',
  'briefing.scheduled': 'scheduled a briefing',
  'briefing.rescheduled': 'changed the time of a scheduled briefing',
  'briefing.cancelled': 'cancelled a scheduled briefing',
  'briefing.reminded': 'sent briefing reminders',
  'import.staff': 'imported the staff list',
  'import.training': 'imported training records',
  'import.leavers': 'marked people not in a staff file as leavers',
  'training.confirmed': "confirmed someone's self-recorded training",
  'training.declined': "did not confirm someone's self-recorded training",
  'training.reminded': 'reminded staff about overdue training',
  'assessment.reopened': "reopened a practice's self-assessment",
  'assessment.reminded': 'reminded practices about the self-assessment',
  'export.downloaded': 'downloaded an export',
  'access.refused': 'was refused a privileged action',
};

/** The kinds `audit log <kind>` understands, for its usage text and its answer. */
export const AUDIT_KINDS = ['content', 'briefing', 'import', 'training', 'assessment', 'export', 'refused'] as const;

export const AUDIT_USAGE = `audit log [${AUDIT_KINDS.join(' | ')} | name]`;

/** Records of one kind, or by one person (name or object id). An empty filter keeps everything. */
export function filterAudit(records: AuditRecord[], filter: string): AuditRecord[] {
  const f = filter.trim().toLowerCase();
  if (!f) return records;
  if (f === 'refused' || f === 'refusals') return records.filter((r) => r.action.endsWith('refused'));
  const kind = AUDIT_KINDS.find((k) => k === f || `${k}s` === f);
  if (kind) return records.filter((r) => r.action.startsWith(`${kind}.`));
  // Otherwise a person (name or object id), or any word of an action ("cancelled", "declined").
  return records.filter((r) => (r.actorName ?? '').toLowerCase().includes(f) || r.actor === f || r.action.includes(f));
}

const when = (iso: string) =>
  new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' });
const n = (v: AuditValue) => (typeof v === 'number' ? v.toLocaleString('en-GB') : String(v));

/** The subject's ids and counts in words, in a fixed order; anything else as `key value`. */
const SUBJECT_WORDS: [string, (v: AuditValue) => string][] = [
  ['set', (v) => `${n(v)}`],
  ['version', (v) => `version ${n(v)}`],
  ['rollbackOf', (v) => `back to version ${n(v)}`],
  ['contact', (v) => `contact ${n(v)}`],
  ['route', (v) => `route ${n(v)}`],
  ['briefing', (v) => `briefing ${n(v)}`],
  ['library', (v) => `library ${n(v)}`],
  ['recipients', (v) => `${n(v)} people`],
  ['sendAt', (v) => `for ${when(String(v))}`],
  ['from', (v) => `from ${when(String(v))}`],
  ['to', (v) => `to ${when(String(v))}`],
  ['due', (v) => `${n(v)} due`],
  ['reminded', (v) => `${n(v)} reminded`],
  ['practices', (v) => `${n(v)} practices`],
  ['notReached', (v) => `${n(v)} not reached`],
  ['via', (v) => `from the ${v === 'cli' ? 'command line' : 'chat'}`],
  ['added', (v) => `${n(v)} added`],
  ['updated', (v) => `${n(v)} updated`],
  ['unchanged', (v) => `${n(v)} unchanged`],
  ['rejected', (v) => `${n(v)} rejected`],
  ['notSaved', (v) => `${n(v)} not saved`],
  ['left', (v) => `${n(v)} marked as left`],
  ['full', () => 'the whole staff list'],
  ['of', (v) => `of ${n(v)}`],
  ['employee', (v) => `employee ${n(v)}`],
  ['practice', (v) => `practice ${n(v)}`],
  ['year', (v) => `${n(v)}`],
  ['export', (v) => `${n(v)}`],
  ['team', (v) => `team ${n(v)}`],
  ['permission', (v) => `needs ${n(v)}`],
  ['command', (v) => `command "${n(v)}"`],
  ['verb', (v) => `button ${n(v)}`],
  ['reason', (v) => n(v)],
];
const KNOWN = new Set(SUBJECT_WORDS.map(([k]) => k));
/** Ids kept out of the chat view (they are in the CSV). */
const QUIET = new Set([
  'proposal',
  'basedOn',
  'run',
  'record',
  'file',
  'changes',
  'phoneChanged',
  'confirmedTwice',
  'manager',
]);

export function describeSubject(subject: AuditRecord['subject']): string {
  const parts = SUBJECT_WORDS.filter(([k]) => subject[k] !== undefined && subject[k] !== '').map(([k, f]) =>
    f(subject[k]!),
  );
  for (const [k, v] of Object.entries(subject)) if (!KNOWN.has(k) && !QUIET.has(k)) parts.push(`${k} ${n(v)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export function describeAudit(r: AuditRecord): string {
  return `${when(r.at)}: ${r.actorName ?? r.actor} ${AUDIT_WORDS[r.action] ?? r.action}${describeSubject(r.subject)}`;
}

/** The two months `audit log` shows: this one and the one before (UTC months, the trail's partitions). */
export function auditMonths(now: Date): string[] {
  return [
    now.toISOString().slice(0, 7),
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7),
  ];
}

/** The `audit log` answer: the latest 30 matching records in words, and the CSV link. */
export async function auditLogText(
  audit: AuditTrail,
  filter: string,
  now: Date,
  link: { url: string; expiresAt: Date },
): Promise<string> {
  const months = auditMonths(now);
  const records = (await Promise.all(months.map((m) => audit.month(m))))
    .flat()
    .sort((a, b) => b.at.localeCompare(a.at));
  const shown = filterAudit(records, filter);
  const lines = shown.slice(0, 30).map((r) => `- ${describeAudit(r)}`);
  const head =
    shown.length === 0
      ? `No audit records${filter ? ` for "${filter}"` : ''} this month or last. You can filter by kind (${AUDIT_KINDS.join(', ')}) or by a person's name.`
      : `Audit log, latest first${filter ? ` (${filter})` : ''}: ${shown.length > 30 ? `the latest 30 of ${shown.length}` : `${shown.length}`}\n\n${lines.join('\n')}`;
  return `${head}\n\n[Download this month and last as CSV](${link.url}) (the link works ${linkLifetime(link.expiresAt)}).`;
}

/** Every record of the months asked for (at most 12), one row each. */
export async function auditCsv(audit: AuditTrail, params: Record<string, string>): Promise<ExportFile> {
  const months = (params.months ?? '')
    .split(',')
    .filter((m) => /^\d{4}-\d{2}$/.test(m))
    .slice(0, 12);
  const records = (await Promise.all(months.map((m) => audit.month(m))))
    .flat()
    .sort((a, b) => b.at.localeCompare(a.at));
  return {
    filename: `audit-${months[0] ?? 'log'}.csv`,
    csv: toCsv(
      ['at', 'actor', 'actor_name', 'action', 'subject'],
      records.map((r) => [r.at, r.actor, r.actorName ?? '', r.action, JSON.stringify(r.subject)]),
    ),
  };
}
