/**
 * Every Cosmos container the app uses, with the partition key chosen for its access pattern.
 * This list is the single source of truth: the store creates exactly these at start, and the
 * infrastructure templates must declare the same.
 */
export const CONTAINERS = {
  /** Staff directory: one document per person, id = employee id (or `aad:<object id>` for someone not yet imported). Read by id. */
  people: { id: 'people', partitionKey: '/id' },
  /** Who holds each Entra object id: one small document per id (id = object id, `employeeId`), kept by the staff import, so a turn finds its person by two point reads, never a query. */
  entraIds: { id: 'entraIds', partitionKey: '/id' },
  /** Where to reach each person proactively: one document per Entra object id. Read by id. */
  conversations: { id: 'conversations', partitionKey: '/id' },
  /** Referral follow-ups: route, time and the user's own reference only. Read per person; due reminders by a cross-partition query. */
  referrals: { id: 'referrals', partitionKey: '/aadObjectId' },
  /** GP practice self-assessments: a document per practice, year and section, plus one for the submission. Read per practice; leads' overviews query across practices. */
  assessments: { id: 'assessments', partitionKey: '/practiceCode' },
  /** Training completions: one document per course completed, id derived from its content so re-imports change nothing. Read per person and for a team's people. */
  training: { id: 'training', partitionKey: '/employeeId' },
  /** 7-minute briefings: drafts, scheduled and sent briefings, one document each, plus the broadcast workers' heartbeats. Read by id; lists query across briefings. */
  briefings: { id: 'briefings', partitionKey: '/id' },
  /** The send queue: one document per briefing and recipient (state, attempts, delivered/seen/acknowledged times). Work is claimed per document by etag; a briefing's queue and report are one partition. */
  deliveries: { id: 'deliveries', partitionKey: '/briefingId' },
  /** Versioned content sets (referral content today): each approved version, each proposal, and a pointer to the live version. Read by id; a set's history is one partition. */
  content: { id: 'content', partitionKey: '/set' },
  /** Append-only audit trail of privileged actions: who, what, when and ids, never message text. One partition per month. */
  audit: { id: 'audit', partitionKey: '/month' },
} as const;

export type ContainerName = keyof typeof CONTAINERS;
