import type { ChatTurn } from '../chat/types';
import {
  audienceCard,
  choicesCard,
  contactDetail,
  homeAreaCard,
  kindsCard,
  outOfAreaCard,
  routeCard,
  whoCard,
} from './cards';
import type { ReferralContent } from './content';
import type { ReferralContext } from './context';
import type { Journey } from './journey';

/**
 * Free text: who and what it is about (see understand.ts), then the route, a "which of these"
 * card, the child-or-adult question, another council's page, or the menu.
 */
export class FreeText {
  constructor(
    private readonly ctx: ReferralContext,
    private readonly journey: Journey,
  ) {}

  private get content(): ReferralContent {
    return this.ctx.content();
  }

  /** True when it answered; false for text that is not a safeguarding question (the menu answers it). */
  async answer(turn: ChatTurn): Promise<boolean> {
    if (!turn.text) return false;
    const u = this.ctx.understander().understand(turn.text);
    if (u.kind === 'off-topic' && !u.unsure) return false; // not a safeguarding question: the menu
    if (turn.conversation.kind !== 'personal') {
      await this.journey.moveToPrivate(turn);
      return true;
    }
    turn.log.info({ understood: u.kind, route: u.kind === 'route' ? u.route.id : undefined }, 'free text understood');
    switch (u.kind) {
      case 'route':
        if (!u.home)
          await turn.send({
            card: homeAreaCard(this.content, { step: 'route', route: u.route, audience: u.audience }),
            fallbackText: 'Where does the person live?',
          });
        else
          await turn.send({ card: routeCard(this.content, u.route, u.audience, u.home), fallbackText: u.route.title });
        return true;
      case 'choices':
        await turn.send({
          card: choicesCard(this.content, u.routes, u.audience, u.home),
          fallbackText: 'Which of these fits best?',
        });
        return true;
      case 'ask-audience':
        await turn.send({
          card: audienceCard(this.content, u.options, u.home),
          fallbackText: 'Is this about a child or an adult?',
        });
        return true;
      case 'out-of-area':
        await turn.send({
          card: outOfAreaCard(this.content, u.area, u.audience, u.topic),
          fallbackText: `Someone who lives in ${u.area.name}`,
        });
        return true;
      case 'audience-only':
        if (!u.home)
          await turn.send({
            card: homeAreaCard(this.content, { step: 'kind', audience: u.audience }),
            fallbackText: 'Where does the person live?',
          });
        else
          await turn.send({
            card: kindsCard(this.content, u.audience, u.home),
            fallbackText: 'What is your concern about?',
          });
        return true;
      case 'off-topic': {
        const team = this.content.contacts.get(this.content.pathway.safeguardingTeamContact)!;
        await turn.send({
          text: `I am not sure which referral route fits that. Choose who you are worried about below${team.confirmed ? `, or contact ${team.name}: ${contactDetail(team)}` : ', or talk to your safeguarding team or manager'}.`,
        });
        await turn.send({ card: whoCard(this.content), fallbackText: 'Who are you worried about?' });
        return true;
      }
    }
  }
}
