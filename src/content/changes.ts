import type { ContentChange } from './store';
import { jsonChanges, type SetFile } from './sets';

/**
 * What differs between two versions, in words for the approver ("MASH telephone: old → new").
 * The contact fields a change form edits, and how they are named:
 */
export const FIELDS = ['name', 'phone', 'hours', 'use', 'email', 'url'] as const;
export type ContactField = (typeof FIELDS)[number];
export const LABELS: Record<ContactField, string> = { name: 'name', phone: 'telephone', hours: 'hours', use: 'what it is for', email: 'e-mail', url: 'web page' };

/** What differs between two versions of a contact, in words ("<name> telephone: old → new"); a changed number is marked. */
export function fieldChanges(name: string, before: Partial<Record<ContactField, string>>, after: Partial<Record<ContactField, string>>): ContentChange[] {
  return FIELDS.filter((f) => (before[f] || undefined) !== (after[f] || undefined)).map((f) => ({
    text: `${name} ${LABELS[f]}: ${before[f] || '(none)'} → ${after[f] || '(none)'}`,
    ...(f === 'phone' ? { phoneChanged: true } : {}),
  }));
}

/** What differs between two versions of a set's files, leaf by leaf. */
export function filesChanges(before: SetFile[], after: SetFile[]): ContentChange[] {
  const was = new Map(before.map((f) => [f.path, f.json]));
  const out: ContentChange[] = [];
  for (const f of after) {
    if (!was.has(f.path)) out.push({ text: `New file: content/${f.path}` });
    else out.push(...jsonChanges(f.path, was.get(f.path), f.json));
  }
  for (const f of before) if (!after.some((a) => a.path === f.path)) out.push({ text: `File removed: content/${f.path}` });
  return out;
}
