/**
 * The content capability's face: what src/app.ts imports. The use cases are ./contacts.ts,
 * ./routes.ts, ./proposals.ts (the second-lead rule), ./history.ts (and rollback), ./files.ts (a
 * content file sent in the chat), ./auditLog.ts and ./review.ts (the monthly review cards).
 */
export { ContentService } from './service';
export type { ContentDeps } from './context';
export { createContentCapability, type ContentTimers } from './capability';
export { CONTENT_VERBS } from './verbs';
