import { z } from 'zod';
import type { AuditTrail } from '../audit';
import { md } from '../cards/markdown';
import type { ChatTurn, Reply } from '../chat/types';
import type { PeopleDirectory } from '../people/directory';
import { markLeavers, MAX_LEAVERS_UNCONFIRMED, planLeavers, type LeaverPlan } from '../people/staffImport';
import { leaversConfirmCard } from './cards';
import type { LatestStaffImport, StaffImportRuns } from './runsStore';

/**
 * "Also mark people not in this file as leavers", offered after a staff list is imported in the
 * chat: the confirm card (how many, who, and over 10% a second, explicit press), then the same code
 * as `npm run import -- staff --full`. An offer from an older import, one already applied, or one
 * past its day is refused.
 */
export interface LeaversDeps {
  directory: PeopleDirectory;
  runs: StaffImportRuns;
  audit: AuditTrail;
  now?: () => Date;
}

const n = (x: number) => x.toLocaleString('en-GB');
const runId = z.string().uuid();
export const reviewSchema = z.object({ run: runId });
export const applySchema = z.object({
  run: runId,
  count: z.coerce.number().int().min(1).max(10_000_000),
  step: z.enum(['first', 'second']),
});

export const LEAVERS_OUT_OF_DATE = 'I could not tell which import you meant. Send the staff file again.';

export async function refuseLeavers(turn: ChatTurn): Promise<void> {
  turn.log.info({ permission: 'people.import' }, 'refused');
  await turn.send({ text: 'Only safeguarding leads can change the staff list.' });
}

export class Leavers {
  constructor(private readonly deps: LeaversDeps) {}

  /**
   * Checks an offer is still for the latest staff import and works out its leavers afresh; tells
   * the lead why not otherwise. Nothing is written here.
   */
  private async offer(
    turn: ChatTurn,
    run: string,
  ): Promise<{ latest: LatestStaffImport; plan: LeaverPlan } | undefined> {
    const latest = await this.deps.runs.latest();
    if (!latest || latest.runId !== run) {
      await turn.send({
        text: 'A newer staff import has been made since that file, so I have not marked anyone as left. If the newest file is the whole staff list, send it again and use its button.',
      });
      return undefined;
    }
    if (latest.leaversMarkedAt) {
      await turn.send({ text: 'The people not in that file have already been marked as left.' });
      return undefined;
    }
    const named = await this.deps.runs.named(run);
    if (!named) {
      await turn.send({
        text: 'That offer has expired (it lasts a day). Send the file again if it is the whole staff list.',
      });
      return undefined;
    }
    const plan = await planLeavers(this.deps.directory, named);
    if (plan.leavers.length === 0) {
      await turn.send({ text: 'Everyone in the staff list is in that file, so there is nobody to mark as left.' });
      return undefined;
    }
    return { latest, plan };
  }

  /** The confirm card: how many, who (first names), and for more than 10% a second, explicit step. */
  private async confirmCard(run: string, plan: LeaverPlan, step: 'first' | 'second', problems = ''): Promise<Reply> {
    const people = await this.deps.directory.getMany(plan.leavers.slice(0, 500));
    const names = [...people.values()].map((p) => `${md(p.name)} (${md(p.team)})`).sort((a, b) => a.localeCompare(b));
    const shown = names.slice(0, 20);
    const count = `${n(plan.leavers.length)} of ${n(plan.current)} ${plan.current === 1 ? 'person' : 'people'} (${plan.percent}%)`;
    const over = `That is more than ${MAX_LEAVERS_UNCONFIRMED * 100}% of the staff list: a file that was cut short, or the wrong file, would look like this. Check it really is the whole staff list.`;
    return {
      card: leaversConfirmCard({
        heading: step === 'second' ? 'Are you sure?' : 'Mark people not in this file as leavers?',
        problems,
        countLine: `This marks ${count} in the staff list as left: everyone not in the file.`,
        warning: plan.needsConfirm ? (step === 'second' ? `${over} Press once more only if you are sure.` : over) : '',
        names: `${shown.join(', ')}${plan.leavers.length > shown.length ? `, and ${n(plan.leavers.length - shown.length)} more` : ''}.`,
        confirmTitle:
          step === 'second'
            ? `Yes, I am sure: mark ${n(plan.leavers.length)} as left`
            : `Mark ${n(plan.leavers.length)} as left`,
        run,
        count: String(plan.leavers.length),
        step,
      }),
      fallbackText: `Mark ${count} as left?`,
    };
  }

  async review(turn: ChatTurn, data: z.output<typeof reviewSchema>): Promise<void> {
    const found = await this.offer(turn, data.run);
    if (found) await turn.send(await this.confirmCard(data.run, found.plan, 'first'));
  }

  async apply(turn: ChatTurn, data: z.output<typeof applySchema>): Promise<void> {
    const { run, count, step } = data;
    const found = await this.offer(turn, run);
    if (!found) return;
    const { latest, plan } = found;
    // Never a number the lead has not seen: if the staff list changed since the card, show it again.
    if (plan.leavers.length !== count)
      return turn.send(
        await this.confirmCard(
          run,
          plan,
          'first',
          'The staff list has changed since that card. Here are the figures now.',
        ),
      );
    if (plan.needsConfirm && step !== 'second') return turn.send(await this.confirmCard(run, plan, 'second'));
    if (!(await this.deps.runs.claimLeavers(latest))) {
      return turn.send({
        text: 'Another staff import, or another lead, got there at the same moment, so I have not marked anyone as left. Send the newest file again if it is the whole staff list.',
      });
    }
    // The same code as `npm run import -- staff --full`.
    const marked = await markLeavers(this.deps.directory, plan.leavers, this.deps.now?.() ?? new Date());
    turn.log.info({ left: marked.left, notSaved: marked.failed.length }, 'leavers marked from the chat');
    await this.deps.audit.note(
      turn.user,
      'import.leavers',
      {
        via: 'chat',
        run,
        left: marked.left,
        notSaved: marked.failed.length,
        of: plan.current,
        ...(plan.needsConfirm ? { confirmedTwice: true } : {}),
      },
      turn.log,
    );
    await turn.send({
      text:
        `Marked ${n(marked.left)} ${marked.left === 1 ? 'person' : 'people'} as left. They are kept for history, but are no longer in audiences, menus or compliance figures; importing them again brings them back.` +
        (marked.failed.length
          ? ` ${n(marked.failed.length)} could not be marked (changed by someone else at the same moment): send the file again to try them again.`
          : ''),
    });
  }
}
