/** Every card verb the training capability answers (the card templates under cards/training/ carry the same strings). */
export const TRAINING_VERBS = {
  remind: 'training.remind',
  export: 'training.export',
  team: 'training.team',
  recordCard: 'training.recordCard',
  record: 'training.record',
  confirm: 'training.confirm',
} as const;
