/** Every card verb the self-assessment answers (the card templates under cards/assessment/ carry the same strings). */
export const ASSESSMENT_VERBS = {
  overview: 'assessment.overview',
  open: 'assessment.open',
  save: 'assessment.save',
  review: 'assessment.review',
  submit: 'assessment.submit',
  remind: 'assessment.remind',
  export: 'assessment.export',
} as const;
