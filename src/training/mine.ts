import { md } from '../cards/markdown';
import type { ChatTurn } from '../chat/types';
import { mineReply } from './cards';
import { dayOf, groupOf } from './compliance';
import { personStatus, type TrainingRules } from './rules';
import { describeCompletion } from './selfRecord';
import type { TrainingRecords } from './store';

/** "my training": a person's own safeguarding training levels and when they expire. */
export interface MyTrainingDeps {
  rules: TrainingRules;
  store: Pick<TrainingRecords, 'forPerson'>;
  now: () => Date;
}

export class MyTraining {
  constructor(private readonly deps: MyTrainingDeps) {}

  async show(turn: ChatTurn): Promise<void> {
    if (!turn.principal.employeeId) {
      return turn.send({
        text: 'I cannot find you in the staff list yet, so I do not know which training your role needs. Ask your manager or the safeguarding team to add you.',
      });
    }
    // The turn already read the person from the directory: no second read.
    const { employeeId, name = '', team = '', staffGroup = '' } = turn.principal;
    const person = { id: employeeId, name, team, staffGroup };
    const completions = await this.deps.store.forPerson(person.id);
    const group = groupOf(this.deps.rules, person);
    const statuses = personStatus(this.deps.rules, group, completions, dayOf(this.deps.now()));
    const waiting = completions.filter((c) => c.source === 'self' && !c.confirmed && !c.rejectedAt);
    const pending = waiting.length
      ? `Waiting for your manager to confirm (not counted yet): ${waiting.map(describeCompletion).join('; ')}.`
      : '';
    await turn.send(mineReply(`${md(person.name)} · ${group.label} · ${md(person.team)}`, statuses, pending));
  }
}
