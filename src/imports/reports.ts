import { linkLifetime } from '../exports';

/**
 * The row report of an import, in a form both imports share: counts, then every row that did not
 * go in (with its line in the file, or the employee id when the row had no line left, and why).
 */
export interface ImportOutcome {
  kind: 'staff' | 'training';
  added: number;
  updated: number;
  unchanged: number;
  rejected: number;
  notSaved: number;
  problems: { line?: number; employeeId?: string; reason: string }[];
}

/** How many problem rows a chat message lists before pointing at the full report. */
export const CHAT_PROBLEMS = 10;
/** Each reason in a chat message is cut to this many characters (the full report has it whole). */
const REASON_CHARS = 200;
/** How long a stored report is kept (the link to it lasts 15 minutes). */
export const REPORT_KEPT_MS = 24 * 3600_000;

/**
 * What the chat says about an import: the counts, the first few problem rows, and a link to the
 * full report. Always a few kilobytes, far under Teams' message limit, however long the report.
 */
export function chatSummary(file: string, outcome: ImportOutcome, link?: { url: string; expiresAt: Date }): string {
  const title = outcome.kind === 'staff' ? 'Staff import' : 'Training import';
  const n = (x: number) => x.toLocaleString('en-GB');
  const lines = [
    `${file}`,
    '',
    `${title}: ${n(outcome.added)} added, ${n(outcome.updated)} updated, ${n(outcome.unchanged)} unchanged, ${n(outcome.rejected)} rejected${outcome.notSaved ? `, ${n(outcome.notSaved)} not saved` : ''}.`,
  ];
  const shown = outcome.problems.slice(0, CHAT_PROBLEMS);
  for (const p of shown) {
    const where = p.line !== undefined ? `line ${p.line}` : (p.employeeId ?? 'a row');
    const reason = p.reason.length > REASON_CHARS ? `${p.reason.slice(0, REASON_CHARS - 1)}…` : p.reason;
    lines.push(`  ${where}: ${reason}`);
  }
  if (outcome.problems.length > shown.length) lines.push(`  …and ${n(outcome.problems.length - shown.length)} more.`);
  if (link)
    lines.push(
      '',
      `[Download the full row report (CSV)](${link.url}). The link works ${linkLifetime(link.expiresAt)}.`,
    );
  return lines.join('\n');
}
