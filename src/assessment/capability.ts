import { z } from 'zod';
import { action } from '../chat/routes';
import type { Capability } from '../chat/types';
import { openSchema, refusePractice, saveSchema, type Answering } from './answer';
import { refuseOversight, type Oversight } from './oversee';
import type { PracticeReminders } from './remind';
import { ASSESSMENT_VERBS } from './verbs';

/** The overview, review, submit, remind and CSV buttons carry nothing but their verb. */
const noData = z.unknown();

export interface AssessmentUseCases {
  answering: Answering;
  oversight: Oversight;
  reminders: PracticeReminders;
}

/**
 * What the self-assessment answers: its commands and card buttons, and who may use them. The use
 * cases are reached only when a command or button runs (the command catalogue passes none).
 */
export function createAssessmentCapability(uses: AssessmentUseCases): Capability {
  const lead = { privileged: true, permission: 'assessment.answer', refuse: refusePractice } as const;
  const oversee = { privileged: true, permission: 'assessment.oversee', refuse: refuseOversight } as const;
  return {
    name: 'assessment',
    commands: [
      {
        name: 'self-assessment',
        permission: 'assessment.answer',
        button: 'Practice self-assessment',
        description: "Complete your GP practice's annual safeguarding self-assessment",
        patterns: [/^\s*(practice\s+)?self[- ]?assessment\s*$/i],
        handle: (turn) => uses.answering.overview(turn),
        privileged: true,
      },
      {
        name: 'assessment status',
        permission: 'assessment.oversee',
        button: 'Self-assessment status',
        description: 'Which GP practices have submitted their self-assessment',
        patterns: [/^\s*assessment status\s*$/i],
        handle: (turn) => uses.oversight.status(turn),
        privileged: true,
      },
      {
        name: 'assessment themes',
        permission: 'assessment.oversee',
        description: 'The self-assessment standards practices most often do not fully meet',
        patterns: [/^\s*assessment themes\s*$/i],
        handle: (turn) => uses.oversight.themes(turn),
        privileged: true,
      },
      {
        name: 'reopen assessment',
        permission: 'assessment.oversee',
        usage: 'reopen assessment <ODS code>',
        description: 'Let a practice change its submitted self-assessment',
        patterns: [/^\s*reopen assessment\b(?<args>.*)$/i],
        handle: (turn) => uses.oversight.reopen(turn, turn.args),
        privileged: true,
      },
      {
        name: 'assessment export',
        permission: 'assessment.oversee',
        description: 'Download every practice’s answers as CSV',
        patterns: [/^\s*assessment export\s*$/i],
        handle: (turn) => uses.oversight.exportLink(turn),
        privileged: true,
      },
      {
        name: 'remind practices',
        permission: 'assessment.oversee',
        description: 'Remind practices that have not submitted, at most once a week',
        patterns: [/^\s*remind practices\s*$/i],
        handle: (turn) => uses.reminders.remind(turn),
        privileged: true,
      },
    ],
    actions: [
      // An old or unreadable section button shows the overview instead.
      action(ASSESSMENT_VERBS.overview, noData, (turn) => uses.answering.overview(turn), {
        ...lead,
        invalid: (turn) => uses.answering.overview(turn),
      }),
      action(ASSESSMENT_VERBS.open, openSchema, (turn, data) => uses.answering.open(turn, data), {
        ...lead,
        invalid: (turn) => uses.answering.overview(turn),
      }),
      action(ASSESSMENT_VERBS.save, saveSchema, (turn, data) => uses.answering.save(turn, data), {
        ...lead,
        invalid: (turn) => uses.answering.overview(turn),
      }),
      action(ASSESSMENT_VERBS.review, noData, (turn) => uses.answering.review(turn), {
        ...lead,
        invalid: (turn) => uses.answering.review(turn),
      }),
      action(ASSESSMENT_VERBS.submit, noData, (turn) => uses.answering.submit(turn), {
        ...lead,
        invalid: (turn) => uses.answering.submit(turn),
      }),
      action(ASSESSMENT_VERBS.remind, noData, (turn) => uses.reminders.remind(turn), {
        ...oversee,
        invalid: (turn) => uses.reminders.remind(turn),
      }),
      action(ASSESSMENT_VERBS.export, noData, (turn) => uses.oversight.exportLink(turn), {
        ...oversee,
        invalid: (turn) => uses.oversight.exportLink(turn),
      }),
    ],
  };
}
