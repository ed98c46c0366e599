import { z } from 'zod';
import { action } from '../chat/routes';
import type { Capability } from '../chat/types';
import type { MyTraining } from './mine';
import type { OrganisationCompliance } from './organisation';
import { confirmSchema, recordSchema, type SelfRecording } from './selfRecord';
import { refuseTeam, type TeamCompliance } from './team';
import { TRAINING_VERBS } from './verbs';

/** The remind, CSV and open-team buttons carry the team they are about. */
const teamSchema = <V extends string>(verb: V) => z.object({ verb: z.literal(verb), team: z.string().min(1).max(100) });
/** The "record training" button carries nothing but its verb. */
const noData = z.unknown();

export interface TrainingUseCases {
  mine: MyTraining;
  team: TeamCompliance;
  organisation: OrganisationCompliance;
  selfRecording: SelfRecording;
}

/**
 * What the training capability answers: its commands and card buttons, and who may use them. The
 * use cases are reached only when a command or button runs (the command catalogue passes none).
 */
export function createTrainingCapability(uses: TrainingUseCases): Capability {
  const forTeam = { privileged: true, permission: 'training.team', refuse: refuseTeam } as const;
  return {
    name: 'training',
    commands: [
      {
        name: 'my training',
        button: 'My training',
        description: 'Check your safeguarding training levels and when they expire',
        patterns: [/^\s*my\s+training\s*$/i, /^\s*training\s*$/i],
        handle: (t) => uses.mine.show(t),
        privileged: true,
      },
      {
        name: 'team compliance',
        permission: 'training.team',
        usage: 'team compliance [team]',
        button: 'Team compliance',
        description: "A team's training compliance, with reminders and a CSV",
        patterns: [/^\s*team compliance\b(?<args>.*)$/i],
        handle: (t) => uses.team.show(t, t.args),
        privileged: true,
      },
      {
        name: 'organisation compliance',
        permission: 'training.organisation',
        description: 'Training compliance for every team side by side',
        patterns: [/^\s*organi[sz]ation compliance\s*$/i],
        handle: (t) => uses.organisation.show(t),
        privileged: true,
      },
    ],
    actions: [
      // A button whose team does not read is taken to mean the person's own team.
      action(TRAINING_VERBS.remind, teamSchema(TRAINING_VERBS.remind), (t, d) => uses.team.remind(t, d.team), {
        ...forTeam,
        invalid: (t) => uses.team.remind(t, undefined),
      }),
      action(TRAINING_VERBS.export, teamSchema(TRAINING_VERBS.export), (t, d) => uses.team.exportLink(t, d.team), {
        ...forTeam,
        invalid: (t) => uses.team.exportLink(t, undefined),
      }),
      action(TRAINING_VERBS.team, teamSchema(TRAINING_VERBS.team), (t, d) => uses.team.show(t, d.team), {
        ...forTeam,
        invalid: (t) => uses.team.show(t, undefined),
      }),
      action(TRAINING_VERBS.recordCard, noData, (t) => uses.selfRecording.showCard(t), {
        privileged: true,
        invalid: (t) => uses.selfRecording.showCard(t),
      }),
      action(TRAINING_VERBS.record, recordSchema, (t, d) => uses.selfRecording.record(t, d), {
        privileged: true,
        invalid: (t) => uses.selfRecording.recordRefused(t),
      }),
      // Managers (their own team) and leads; anyone else, and anyone deciding their own, is refused and audited.
      // The handler decides who may (it needs the record's team), after an unreadable card is answered.
      action(TRAINING_VERBS.confirm, confirmSchema, (t, d) => uses.selfRecording.confirm(t, d), {
        privileged: true,
        permission: 'training.team',
        invalid: (t) => uses.selfRecording.confirmRefused(t),
      }),
    ],
  };
}
