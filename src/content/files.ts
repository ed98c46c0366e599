import type { ChatTurn } from '../chat/types';
import { downloadText } from '../imports';
import { ContentError } from '../referral/content';
import { fieldChanges, filesChanges } from './changes';
import { inSharedChat, type ContentContext } from './context';
import { LiveReferralContent, REFERRAL_SET } from './live';
import type { Proposals } from './proposals';
import { SetContentError } from './sets';
import type { ContentChange } from './store';

/**
 * A content file sent in the 1:1 chat becomes a proposal: one of the referral content's files
 * (contacts.json, routes.json, pathway.json, phrasing.json), or a file of another content set (a
 * briefing, rules.json, questionnaire.json, practices.json). Each is validated exactly as at
 * start-up first. Tried before the imports, which answer every file.
 */
const CONTENT_FILES = ['contacts.json', 'routes.json', 'pathway.json', 'phrasing.json'] as const;

export class ContentFiles {
  constructor(
    private readonly ctx: ContentContext,
    private readonly proposals: Proposals,
  ) {}

  /**
   * A replacement for one of the content files (contacts.json, routes.json, pathway.json,
   * phrasing.json) sent in the 1:1 chat: validated exactly as at start-up, then a proposal like any
   * other. A file that changes a telephone number is refused: numbers change one at a time with
   * `edit contact`, where the proposer confirms they called it.
   */
  async answer(turn: ChatTurn): Promise<boolean> {
    const file = (turn.files ?? []).find((f) => CONTENT_FILES.includes(f.name.toLowerCase() as (typeof CONTENT_FILES)[number]));
    if (!file) {
      const other = (turn.files ?? []).find((f) => f.name.toLowerCase().endsWith('.json'));
      return other ? this.setFile(turn, other) : false;
    }
    if (!this.ctx.can(turn)) {
      await this.ctx.refuse(turn);
      return true;
    }
    if (inSharedChat(turn) || !turn.user.aadObjectId) {
      await turn.send({ text: 'Please send content files to me in our 1:1 chat.' });
      return true;
    }
    const name = file.name.toLowerCase() as (typeof CONTENT_FILES)[number];
    let value: unknown;
    try {
      value = JSON.parse(await downloadText(file.downloadUrl));
    } catch (err) {
      await turn.send({ text: err instanceof SyntaxError ? `${name} is not valid JSON (${err.message}). Nothing was changed.` : `I could not open ${name} (the download failed). Please send it again.` });
      return true;
    }
    const live = this.ctx.deps.live.get();
    const key = name.replace('.json', '') as 'contacts' | 'routes' | 'pathway' | 'phrasing';
    const body = { ...LiveReferralContent.bodyOf(live), [key]: value };
    let next;
    try {
      next = this.ctx.deps.live.parse(body);
    } catch (err) {
      if (!(err instanceof ContentError)) throw err;
      const shown = err.problems.slice(0, 15).map((p) => `- ${p}`).join('\n');
      await turn.send({ text: `That ${name} is not valid, so nothing was changed:\n\n${shown}${err.problems.length > 15 ? `\n- …and ${err.problems.length - 15} more` : ''}` });
      return true;
    }
    const changes: ContentChange[] = [];
    for (const c of next.contacts.values()) {
      const was = live.contacts.get(c.id);
      if (!was) changes.push({ text: `New contact: ${c.name}` });
      else changes.push(...fieldChanges(c.name, was, c));
    }
    for (const c of live.contacts.values()) if (!next.contacts.has(c.id)) changes.push({ text: `Contact removed: ${c.name}` });
    const routeIds = new Set(live.routes.map((r) => r.id));
    for (const r of next.routes) {
      const was = live.route(r.id);
      if (!was) changes.push({ text: `New route: ${r.title}` });
      else if (JSON.stringify(was) !== JSON.stringify(r)) changes.push({ text: `Route changed: ${r.title}` });
      routeIds.delete(r.id);
    }
    for (const id of routeIds) changes.push({ text: `Route removed: ${live.route(id)!.title}` });
    if (JSON.stringify(live.pathway) !== JSON.stringify(next.pathway)) changes.push({ text: 'The pathway (first steps, audiences, home areas) changed' });
    if (JSON.stringify(live.phrasing) !== JSON.stringify(next.phrasing)) changes.push({ text: 'Phrasing (synonyms, off-topic examples) changed' });
    if (changes.length === 0) {
      await turn.send({ text: `That ${name} is the same as the live content: nothing to propose.` });
      return true;
    }
    const numbers = changes.filter((c) => c.phoneChanged);
    if (numbers.length > 0) {
      await turn.send({
        text: `That ${name} changes a telephone number (${numbers.map((c) => c.text).join('; ')}). Nothing was proposed: change numbers one at a time with edit contact, where you confirm you have called the new number.`,
      });
      return true;
    }
    const proposal = await this.ctx.deps.store.propose({
      set: REFERRAL_SET,
      basedOn: this.ctx.deps.live.currentVersion,
      body,
      changes: [{ text: `${name} replaced from a file` }, ...changes.slice(0, 40)],
      proposedBy: turn.user.aadObjectId,
      proposedByName: turn.principal.name ?? turn.user.name,
      proposedAt: this.ctx.deps.now().toISOString(),
    });
    await this.ctx.deps.audit.note(turn.user, 'content.proposed', { proposal: proposal.id, basedOn: proposal.basedOn, file: name, changes: changes.length }, turn.log);
    await this.proposals.askOthers(turn, proposal);
    return true;
  }

  /**
   * A file of one of the other content sets sent in the 1:1 chat (a briefing, rules.json,
   * questionnaire.json, practices.json): validated by that capability's own loader, exactly as at
   * start-up, then a proposal like any other. False if it belongs to none of them.
   */
  private async setFile(turn: ChatTurn, file: { name: string; downloadUrl: string }): Promise<boolean> {
    const name = file.name.toLowerCase();
    if (!name.endsWith('.json') || this.ctx.sets.size === 0) return false;
    // By its name alone (before anything is downloaded): one of the set's files as they are now.
    const byName = [...this.ctx.sets.values()].some((l) => l.def.place(name, {}, l.current) !== undefined);
    if (!this.ctx.can(turn)) {
      if (!byName) return false;
      await this.ctx.refuse(turn, [...this.ctx.sets.values()].find((l) => l.def.place(name, {}, l.current) !== undefined)!.def.label);
      return true;
    }
    if (inSharedChat(turn) || !turn.user.aadObjectId) {
      await turn.send({ text: 'Please send content files to me in our 1:1 chat.' });
      return true;
    }
    let value: unknown;
    try {
      value = JSON.parse(await downloadText(file.downloadUrl));
    } catch (err) {
      // Not readable: only answer for a name that can only be ours.
      if (!byName) return false;
      await turn.send({ text: err instanceof SyntaxError ? `${name} is not valid JSON (${err.message}). Nothing was changed.` : `I could not open ${name} (the download failed). Please send it again.` });
      return true;
    }
    const live = [...this.ctx.sets.values()].find((l) => l.def.place(name, value, l.current) !== undefined);
    if (!live) return false;
    const where = live.def.place(name, value, live.current)!;
    const before = live.current;
    const files = before.some((f) => f.path === where) ? before.map((f) => (f.path === where ? { path: where, json: value } : f)) : [...before, { path: where, json: value }];
    try {
      live.parse(files);
    } catch (err) {
      if (!(err instanceof SetContentError)) throw err;
      const shown = err.problems.slice(0, 15).map((p) => `- ${p}`).join('\n');
      await turn.send({ text: `That ${name} is not valid, so nothing was changed:\n\n${shown}${err.problems.length > 15 ? `\n- …and ${err.problems.length - 15} more` : ''}` });
      return true;
    }
    const changes = filesChanges(before, files);
    if (changes.length === 0) {
      await turn.send({ text: `That ${name} is the same as the live version of ${live.def.label}: nothing to propose.` });
      return true;
    }
    const proposal = await this.ctx.deps.store.propose({
      set: live.set,
      basedOn: live.currentVersion,
      body: { files },
      changes: [{ text: `content/${where} ${before.some((f) => f.path === where) ? 'replaced' : 'added'} from a file (${live.def.label})` }, ...changes.slice(0, 40)],
      proposedBy: turn.user.aadObjectId,
      proposedByName: turn.principal.name ?? turn.user.name,
      proposedAt: this.ctx.deps.now().toISOString(),
    });
    await this.ctx.deps.audit.note(turn.user, 'content.proposed', { proposal: proposal.id, set: live.set, basedOn: proposal.basedOn, file: where, changes: changes.length }, turn.log);
    await this.proposals.askOthers(turn, proposal);
    return true;
  }
}
