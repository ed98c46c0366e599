import { z } from 'zod';
import type { ChatTurn } from '../chat/types';
import { containsPatientData } from '../privacy/patientData';
import { inBackground } from '../storage/deadline';
import { audienceCard, confirmCard, scheduleCard } from './cards';
import { audienceLabel, draftFor, people, type BriefingsContext } from './context';
import { fromUkTime, ukLabel, ukWallClock } from './schedule';
import type { Audience, BriefingDoc } from './store';

/**
 * Leads send a draft: choose who gets it (everyone, teams, staff groups or GP practices), see how
 * many people that is and who cannot be reached yet, then send it now or schedule it (UK time,
 * confirmed in words first). The delivery engine does the sending.
 */
const id = z.string().min(1).max(100);
const multi = z
  .string()
  .max(20_000)
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
const audienceChoice = z.object({
  draftId: id,
  kind: z.enum(['everyone', 'teams', 'staffGroups', 'practices'], { message: 'Choose who should get the briefing.' }),
  teams: multi,
  staffGroups: multi,
  practices: multi,
});
const sendChoice = z.object({
  draftId: id,
  when: z.enum(['now', 'later']),
  date: z.string().max(20).optional(),
  time: z.string().max(20).optional(),
  confirmed: z.literal('yes').optional(),
});

/**
 * A card naming a draft, whose other fields are checked here too but answered by the handler: a
 * wrong draft is "I could not find that draft" (the route's `invalid`), while a wrong choice
 * re-shows the draft's card with the problem, once the draft has been found.
 */
function draftAnd<S extends z.ZodTypeAny>(rest: S) {
  return z
    .object({ draftId: id })
    .passthrough()
    .transform((v) => ({
      draftId: v.draftId,
      choice: rest.safeParse(v) as z.SafeParseReturnType<z.input<S>, z.output<S>>,
    }));
}
export const audienceSchema = draftAnd(audienceChoice);
export const sendSchema = draftAnd(sendChoice);

export class Sending {
  constructor(private readonly ctx: BriefingsContext) {}

  /** "Choose who gets it": the audience card for a draft. */
  async audienceCard(turn: ChatTurn, data: { draftId: string }): Promise<void> {
    const draft = await draftFor(this.ctx, turn, data.draftId);
    if (draft) await this.showAudience(turn, draft);
  }

  private async showAudience(turn: ChatTurn, draft: BriefingDoc, problems = ''): Promise<void> {
    const teams = await this.teams();
    const a = draft.audience;
    await turn.send({
      card: audienceCard({
        title: draft.content.title,
        draftId: draft.id,
        problems,
        kind: a?.kind ?? 'everyone',
        teams: teams.map((t) => ({ title: t, value: t })),
        groups: this.ctx.staffGroups.map((g) => ({ title: g.label, value: g.id })),
        practices: this.ctx.practices.map((p) => ({ title: `${p.name} (${p.code})`, value: p.code })),
        teamsValue: a?.kind === 'teams' ? a.values.join(',') : '',
        groupsValue: a?.kind === 'staffGroups' ? a.values.join(',') : '',
        practicesValue: a?.kind === 'practices' ? a.values.join(',') : '',
      }),
    });
  }

  private async teams(): Promise<string[]> {
    return (await this.allTeams()).slice(0, 300);
  }

  /** Every team in the staff list, sorted. */
  private async allTeams(): Promise<string[]> {
    return [...(await this.ctx.directory.currentTeams())].sort((x, y) => x.localeCompare(y));
  }

  async chooseAudience(turn: ChatTurn, data: z.output<typeof audienceSchema>): Promise<void> {
    const draft = await draftFor(this.ctx, turn, data.draftId);
    if (!draft) return;
    const parsed = data.choice;
    if (!parsed.success)
      return this.showAudience(turn, draft, parsed.error.issues[0]?.message ?? 'Choose who should get the briefing.');
    const { kind } = parsed.data;
    const audience: Audience = kind === 'everyone' ? { kind } : { kind, values: parsed.data[kind] };
    if (audience.kind !== 'everyone' && audience.values.length === 0) {
      return this.showAudience(
        turn,
        draft,
        `Choose at least one ${kind === 'teams' ? 'team' : kind === 'staffGroups' ? 'staff group' : 'practice'}.`,
      );
    }
    if (audience.kind !== 'everyone') {
      // Stored with the briefing: only names from the lists on the card, and never patient details
      // (which are not repeated back either).
      if (audience.values.some((v) => containsPatientData(v))) {
        turn.log.info({ screened: true }, 'briefing audience not saved: looks like patient data');
        return this.showAudience(
          turn,
          draft,
          'That looks like it may identify a patient, so I have not saved it. Choose from the list.',
        );
      }
      const known =
        audience.kind === 'teams'
          ? new Set(await this.allTeams())
          : new Set(
              audience.kind === 'staffGroups'
                ? this.ctx.staffGroups.map((g) => g.id)
                : this.ctx.practices.map((p) => p.code),
            );
      if (!audience.values.every((v) => known.has(v))) {
        const what =
          audience.kind === 'teams'
            ? 'teams in the staff list'
            : audience.kind === 'staffGroups'
              ? 'staff groups'
              : 'GP practices';
        return this.showAudience(turn, draft, `Choose from the list: only ${what} can get a briefing.`);
      }
    }
    const next: BriefingDoc = { ...draft, audience, updatedAt: this.ctx.now().toISOString() };
    if ((await this.ctx.store.saveBriefing(next, draft._etag)) === 'changed')
      return turn.send({ text: 'This draft changed while you were choosing. Please choose the audience again.' });
    await this.sendConfirm(turn, next);
  }

  private async sendConfirm(turn: ChatTurn, draft: BriefingDoc, problems = ''): Promise<void> {
    const recipients = await this.ctx.engine.resolveAudience(draft.audience!);
    const reachable = await this.ctx.store.reachable();
    const unreachable = recipients.filter((r) => !r.aadObjectId || !reachable.has(r.aadObjectId.toLowerCase())).length;
    const soon = ukWallClock(new Date(this.ctx.now().getTime() + 3600_000));
    await turn.send({
      card: confirmCard({
        title: draft.content.title,
        draftId: draft.id,
        problems,
        audienceLabel: audienceLabel(this.ctx, draft.audience!),
        peopleLabel: people(recipients.length),
        unreachableLabel: unreachable
          ? `${unreachable.toLocaleString('en-GB')} (no chat with the bot yet, or no Teams account in the staff list): they will show as not delivered`
          : 'none',
        date: soon.date,
        time: soon.time,
      }),
      fallbackText: `Ready to send to ${recipients.length} people`,
    });
  }

  /** The send-or-schedule card again (for "Change the time"). */
  async confirmCard(turn: ChatTurn, data: { draftId: string }): Promise<void> {
    const draft = await draftFor(this.ctx, turn, data.draftId);
    if (!draft) return;
    if (!draft.audience) return this.showAudience(turn, draft, 'Choose who should get the briefing first.');
    await this.sendConfirm(turn, draft);
  }

  async send(turn: ChatTurn, data: z.output<typeof sendSchema>): Promise<void> {
    const draft = await draftFor(this.ctx, turn, data.draftId);
    if (!draft) return;
    const parsed = data.choice;
    if (!parsed.success || !draft.audience)
      return this.showAudience(turn, draft, 'Choose who should get the briefing first.');
    const recipients = await this.ctx.engine.resolveAudience(draft.audience);
    if (recipients.length === 0)
      return this.showAudience(turn, draft, 'Nobody in the staff list matches that audience. Choose again.');
    let sendAt: Date | undefined;
    if (parsed.data.when === 'later') {
      const when = fromUkTime(parsed.data.date ?? '', parsed.data.time ?? '');
      if (!when.ok) return this.sendConfirm(turn, draft, when.problem);
      if (when.at.getTime() <= this.ctx.now().getTime())
        return this.sendConfirm(turn, draft, 'That time has already passed. Choose a later time, or send now.');
      // Nothing is committed until the lead has seen the time in words and said yes.
      if (parsed.data.confirmed !== 'yes') {
        return turn.send({
          card: scheduleCard({
            title: draft.content.title,
            draftId: draft.id,
            whenLabel: ukLabel(when.at),
            peopleLabel: people(recipients.length),
            audienceLabel: audienceLabel(this.ctx, draft.audience),
            date: parsed.data.date ?? '',
            time: parsed.data.time ?? '',
          }),
          fallbackText: `Schedule for ${ukLabel(when.at)}?`,
        });
      }
      sendAt = when.at;
    }
    const now = this.ctx.now().toISOString();
    const next: BriefingDoc = {
      ...draft,
      status: sendAt ? 'scheduled' : 'sending',
      confirmedAt: now,
      updatedAt: now,
      ...(sendAt ? { sendAt: sendAt.toISOString() } : { startedAt: now }),
    };
    if ((await this.ctx.store.saveBriefing(next, draft._etag)) === 'changed') {
      return turn.send({
        text: 'This draft changed at the same moment (perhaps sent from another device). Type briefing drafts to check it.',
      });
    }
    turn.log.info(
      { briefingId: draft.id, recipients: recipients.length, scheduled: Boolean(sendAt) },
      'briefing confirmed',
    );
    await this.ctx.audit.note(
      turn.user,
      sendAt ? 'briefing.scheduled' : 'briefing.sent',
      {
        briefing: draft.id,
        ...(draft.libraryId ? { library: draft.libraryId } : {}),
        recipients: recipients.length,
        ...(sendAt ? { sendAt: sendAt.toISOString() } : {}),
      },
      turn.log,
    );
    if (sendAt) {
      return turn.send({
        text: `Scheduled: "${draft.content.title}" will go to ${people(recipients.length)} on ${ukLabel(sendAt)}. Type briefing drafts to see it, change its time or cancel it.`,
      });
    }
    await turn.send({
      text: `Sending "${draft.content.title}" to ${people(recipients.length)} now. I'll keep a progress card up to date here.`,
    });
    void inBackground(() => this.ctx.engine.work(draft.id));
  }
}
