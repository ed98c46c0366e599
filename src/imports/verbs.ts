/** Every card verb the imports answer (the leavers offer and its confirm card). */
export const IMPORT_VERBS = {
  leaversReview: 'imports.leaversReview',
  leaversApply: 'imports.leaversApply',
} as const;
