import { auditCsv, auditLogText, auditMonths } from '../audit/log';
import type { ChatTurn } from '../chat/types';
import { inSharedChat, type ContentContext } from './context';

/**
 * `audit log [kind or name]`: the latest privileged actions, this month and last, with a link to
 * the CSV (src/audit/log.ts). The CSV is served through a signed link registered here.
 */
export class AuditLog {
  constructor(private readonly ctx: ContentContext) {
    const { exports, audit } = ctx.deps;
    exports.register('audit', (params) => auditCsv(audit, params));
  }

  /** The filter is what followed `audit log` (`turn.args`), in lower case. */
  async show(turn: ChatTurn): Promise<void> {
    if (!this.ctx.can(turn)) return this.ctx.refuse(turn);
    if (inSharedChat(turn)) return turn.send({ text: 'Please ask me in our 1:1 chat.' });
    const filter = (turn.args ?? '').toLowerCase();
    const now = this.ctx.deps.now();
    const link = this.ctx.deps.exports.link('audit', { months: auditMonths(now).join(',') }, turn.user.aadObjectId);
    await turn.send({ text: await auditLogText(this.ctx.deps.audit, filter, now, link) });
  }
}
