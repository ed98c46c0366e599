/**
 * Every verb the briefings capability answers, declared once. The card templates under
 * cards/briefings/ spell the same strings literally; the code (its actions, and the buttons it
 * builds) uses these.
 */
export const BRIEFINGS_VERBS = {
  // Staff: read and acknowledge
  search: 'briefings.search',
  open: 'briefings.open',
  /** "I've read this": an Action.Execute, whose reply replaces the card pressed. */
  ack: 'briefing.ack',
  // Leads: write
  new: 'briefings.new',
  start: 'briefings.start',
  edit: 'briefings.edit',
  save: 'briefings.save',
  preview: 'briefings.preview',
  // Leads: choose an audience, send or schedule
  audienceCard: 'briefings.audienceCard',
  audience: 'briefings.audience',
  send: 'briefings.send',
  confirmCard: 'briefings.confirmCard',
  // Leads: cancel or move a scheduled briefing
  cancel: 'briefings.cancel',
  changeTime: 'briefings.changeTime',
  reschedule: 'briefings.reschedule',
  // Leads: who has read it
  report: 'briefings.report',
  remind: 'briefings.remind',
} as const;
