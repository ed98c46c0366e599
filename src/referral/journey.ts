import { z } from 'zod';
import type { ChatTurn } from '../chat/types';
import { areaPickerCard, dangerCard, homeAreaCard, kindsCard, outOfAreaCard, routeCard, whoCard } from './cards';
import { AUDIENCES, type HomeArea, type ReferralContent } from './content';
import type { ReferralContext } from './context';
import { REFERRAL_VERBS } from './verbs';

/**
 * "What to do if you're worried", step by step: is anyone in immediate danger, who, what kind of
 * concern (and where the person lives, where the organisation has more than one home area), then
 * the route; or another council's page for someone who lives elsewhere in England.
 */
const areaId = z.string().max(80).optional();
export const stepSchema = z.discriminatedUnion('step', [
  z.object({ verb: z.literal(REFERRAL_VERBS.step), step: z.literal('danger') }),
  z.object({ verb: z.literal(REFERRAL_VERBS.step), step: z.literal('who') }),
  z.object({
    verb: z.literal(REFERRAL_VERBS.step),
    step: z.literal('kind'),
    audience: z.enum(AUDIENCES),
    area: areaId,
  }),
  z.object({
    verb: z.literal(REFERRAL_VERBS.step),
    step: z.literal('route'),
    route: z.string().max(80),
    audience: z.enum(AUDIENCES).optional(),
    area: areaId,
  }),
  z.object({
    verb: z.literal(REFERRAL_VERBS.step),
    step: z.literal('elsewhere'),
    audience: z.union([z.enum(AUDIENCES), z.literal('')]).optional(),
  }),
]);
export const areaSchema = z.object({
  verb: z.literal(REFERRAL_VERBS.area),
  area: z.string().trim().max(120).optional(),
  audience: z.enum(['child', 'adult']).optional(),
});

export class Journey {
  constructor(private readonly ctx: ReferralContext) {}

  private get content(): ReferralContent {
    return this.ctx.content();
  }

  /** In a channel or group chat: the 999 line at once, the detail privately. */
  async moveToPrivate(turn: ChatTurn): Promise<void> {
    const sent = turn.user.aadObjectId
      ? await this.ctx.notifier.sendToPerson(turn.user.aadObjectId, {
          card: dangerCard(this.content),
          fallbackText: 'Is anyone in immediate danger?',
        })
      : 'no-conversation';
    await turn.send({
      text:
        `${this.content.pathway.immediateDanger} ` +
        (sent === 'sent'
          ? 'I have sent you the step-by-step referral guide in our 1:1 chat.'
          : 'For the step-by-step referral guide, open a 1:1 chat with me and type worried.'),
    });
  }

  async start(turn: ChatTurn): Promise<void> {
    if (turn.conversation.kind !== 'personal') return this.moveToPrivate(turn);
    await turn.send({ card: dangerCard(this.content), fallbackText: 'Is anyone in immediate danger?' });
  }

  async step(turn: ChatTurn, s: z.output<typeof stepSchema>): Promise<void> {
    if (s.step === 'danger')
      return turn.send({ card: dangerCard(this.content), fallbackText: 'Is anyone in immediate danger?' });
    if (s.step === 'who') return turn.send({ card: whoCard(this.content), fallbackText: 'Who are you worried about?' });
    if (s.step === 'elsewhere')
      return turn.send({
        card: areaPickerCard(this.content, s.audience || undefined),
        fallbackText: 'Where does the person live?',
      });
    const home = this.homeArea(s.area);
    if (home === 'unknown') return this.stale(turn);
    if (s.step === 'kind') {
      if (!home)
        return turn.send({
          card: homeAreaCard(this.content, { step: 'kind', audience: s.audience }),
          fallbackText: 'Where does the person live?',
        });
      return turn.send({
        card: kindsCard(this.content, s.audience, home),
        fallbackText: 'What is your concern about?',
      });
    }
    const route = this.content.route(s.route);
    if (!route) return this.stale(turn);
    if (!home)
      return turn.send({
        card: homeAreaCard(this.content, { step: 'route', route, audience: s.audience }),
        fallbackText: 'Where does the person live?',
      });
    await turn.send({ card: routeCard(this.content, route, s.audience, home), fallbackText: route.title });
  }

  /**
   * The home area a button names; with a single home area it is always that one. Undefined means
   * "ask where the person lives" (several home areas, none chosen); 'unknown' is a stale button.
   */
  private homeArea(id: string | undefined): HomeArea | undefined | 'unknown' {
    const homes = this.content.pathway.homeAreas;
    if (homes.length <= 1) return homes[0];
    if (!id) return undefined;
    return homes.find((h) => h.id === id) ?? 'unknown';
  }

  /** The "somewhere else in England" picker was submitted. */
  async area(turn: ChatTurn, data: z.output<typeof areaSchema>): Promise<void> {
    const audience = data.audience;
    const area = data.area ? this.ctx.understander().places.area(data.area) : undefined;
    if (!area) {
      await turn.send({ text: 'Please choose the council area from the list (start typing its name).' });
      return turn.send({ card: areaPickerCard(this.content, audience), fallbackText: 'Where does the person live?' });
    }
    const home = this.content.pathway.homeAreas.find((h) =>
      h.councilAreas.some((n) => n.toLowerCase() === area.name.toLowerCase()),
    );
    if (home) {
      if (!audience) return turn.send({ card: whoCard(this.content), fallbackText: 'Who are you worried about?' });
      return turn.send({ card: kindsCard(this.content, audience, home), fallbackText: 'What is your concern about?' });
    }
    turn.log.info({ area: area.name }, 'out-of-area page shown');
    await turn.send({
      card: outOfAreaCard(this.content, area, audience),
      fallbackText: `Someone who lives in ${area.name}`,
    });
  }

  /** A button from an older version of the content, or tampered data. */
  async stale(turn: ChatTurn): Promise<void> {
    await turn.send({
      text: 'That option is no longer available, because the referral guidance has been updated. Here is the latest version.',
    });
    await turn.send({ card: dangerCard(this.content), fallbackText: 'Is anyone in immediate danger?' });
  }
}
