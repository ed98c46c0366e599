import type { ChatTurn } from '../chat/types';
import { AuditLog } from './auditLog';
import { ContactEdits } from './contacts';
import { ContentContext, type ContentDeps } from './context';
import { ContentFiles } from './files';
import { ContentHistory } from './history';
import { Proposals } from './proposals';
import { RouteEdits } from './routes';

/**
 * The organisation's own content, changed in Teams: one use case a file. Every change is a
 * proposal a second lead approves (./proposals.ts), whether it comes from a contact form
 * (./contacts.ts), a route form (./routes.ts), a file sent in the chat (./files.ts) or a rollback
 * (./history.ts); `audit log` (./auditLog.ts) shows who did what.
 */
export class ContentService {
  readonly proposals: Proposals;
  readonly contacts: ContactEdits;
  readonly routes: RouteEdits;
  readonly history: ContentHistory;
  readonly files: ContentFiles;
  readonly auditLog: AuditLog;

  private readonly ctx: ContentContext;

  constructor(deps: ContentDeps) {
    const ctx = (this.ctx = new ContentContext(deps));
    this.auditLog = new AuditLog(ctx);
    this.proposals = new Proposals(ctx);
    this.contacts = new ContactEdits(ctx, this.proposals);
    this.routes = new RouteEdits(ctx, this.proposals);
    this.history = new ContentHistory(ctx, this.proposals);
    this.files = new ContentFiles(ctx, this.proposals);
  }

  /** "Only safeguarding leads can change the referral content.", recorded as content.refused. */
  refuse(turn: ChatTurn): Promise<void> {
    return this.ctx.refuse(turn);
  }
}
