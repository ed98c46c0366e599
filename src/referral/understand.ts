import { readAudience } from './audience';
import { PlaceFinder } from './areas';
import type { Area, Audience, HomeArea, ReferralContent, Route } from './content';
import { DEFAULT_WEIGHTS, OFF_TOPIC, RouteMatcher, type MatcherWeights } from './matcher';

/**
 * What a free-text message asks for, decided in one pure function so that the bot and the
 * evaluation (`npm run eval:referral`) use exactly the same logic:
 * - who it is about first (a route is never for another audience than the text names);
 * - where the person lives (another council area gets that council's page, never our numbers);
 * - the topic, and how sure we are: a clear winner is answered, close runners-up become
 *   "Which of these fits best?", a topic that depends on child or adult asks that in one tap, and
 *   text that is not a safeguarding question gets the menu.
 */
export type Understanding =
  | { kind: 'route'; route: Route; audience?: Audience; home?: HomeArea }
  | { kind: 'choices'; routes: Route[]; audience?: Audience; home?: HomeArea }
  | { kind: 'ask-audience'; options: { audience: Audience; route: Route }[]; home?: HomeArea }
  | { kind: 'out-of-area'; area: Area; audience?: 'child' | 'adult'; topic?: Route }
  | { kind: 'audience-only'; audience: Audience; home?: HomeArea }
  /** unsure: the text shares words with our routes but none fits well enough (we say so and offer the questions). */
  | { kind: 'off-topic'; unsure: boolean };

export interface Thresholds {
  /** The smallest score that counts as a topic at all. */
  minScore: number;
  /** A runner-up at or above this share of the best score makes the answer a choice. */
  choiceRatio: number;
  /** With no audience named, a route for another audience at or above this share of the best makes us ask. */
  askAudienceRatio: number;
  /** A route must beat the nearest off-topic example by this factor to count as a topic. */
  offTopicMargin: number;
}

/** Tuned on eval/data/questions.json (npm run eval:referral); the hold-out set was not used. */
export const DEFAULT_THRESHOLDS: Thresholds = {
  minScore: 8,
  choiceRatio: 0.7,
  askAudienceRatio: 0.3,
  offTopicMargin: 1.5,
};

export class Understander {
  readonly matcher: RouteMatcher;
  readonly places: PlaceFinder;

  constructor(
    private readonly content: ReferralContent,
    private readonly thresholds: Thresholds = DEFAULT_THRESHOLDS,
    weights: MatcherWeights = DEFAULT_WEIGHTS,
  ) {
    this.matcher = new RouteMatcher(content.routes, content.phrasing, weights);
    this.places = new PlaceFinder(content);
  }

  understand(text: string): Understanding {
    const { minScore, choiceRatio, askAudienceRatio, offTopicMargin } = this.thresholds;
    const { audience } = readAudience(text);
    const place = this.places.find(text);
    const ranked = this.matcher.rank(text);
    const offTopic = ranked.find((r) => r.routeId === OFF_TOPIC)?.score ?? 0;
    const scored = ranked
      .filter((r) => r.routeId !== OFF_TOPIC)
      .map((r) => ({ route: this.content.route(r.routeId)!, score: r.score }));
    const fits = audience ? scored.filter((s) => s.route.audiences.includes(audience)) : scored;
    const best = fits[0];
    const isTopic = best !== undefined && best.score >= minScore && best.score > offTopic * offTopicMargin;
    const home =
      place?.kind === 'home'
        ? place.home
        : this.content.pathway.homeAreas.length === 1
          ? this.content.pathway.homeAreas[0]
          : undefined;

    if (place?.kind === 'away') {
      const clear = isTopic && !(fits[1] && fits[1].score >= choiceRatio * best.score);
      return {
        kind: 'out-of-area',
        area: place.area,
        audience: audience === 'unborn' ? 'child' : audience,
        topic: clear ? best.route : undefined,
      };
    }
    if (!isTopic) {
      const unsure = best !== undefined && best.score > offTopic && best.score >= minScore / 2;
      if (audience && unsure) return { kind: 'audience-only', audience, home };
      return { kind: 'off-topic', unsure };
    }

    if (!audience) {
      // The question is "a child or an adult?": an unborn baby is on the child's side, so only a route for the other side counts.
      const side = (a: Audience) => (a === 'adult' ? 'adult' : 'child');
      const bestSides = new Set(best.route.audiences.map(side));
      const other =
        bestSides.size === 1 ? fits.find((s) => !s.route.audiences.some((a) => bestSides.has(side(a)))) : undefined;
      if (other && other.score >= askAudienceRatio * best.score) {
        // A general concern ("being neglected") is general for the other audience too.
        const general = (a: Audience) =>
          this.content.route(this.content.pathway.audiences.find((p) => p.id === a)?.defaultRoute ?? '');
        const isGeneral = this.content.pathway.audiences.some((p) => p.defaultRoute === best.route.id);
        const otherAudience = other.route.audiences[0]!;
        const options = [
          { audience: best.route.audiences[0]!, route: best.route },
          { audience: otherAudience, route: (isGeneral ? general(otherAudience) : undefined) ?? other.route },
        ].sort((a, b) => AUDIENCE_ORDER.indexOf(a.audience) - AUDIENCE_ORDER.indexOf(b.audience));
        return { kind: 'ask-audience', options, home };
      }
    }
    const close = fits.filter((s) => s.score >= choiceRatio * best.score).slice(0, 3);
    if (close.length > 1) return { kind: 'choices', routes: close.map((s) => s.route), audience, home };
    return {
      kind: 'route',
      route: best.route,
      audience: audience ?? (best.route.audiences.length === 1 ? best.route.audiences[0] : undefined),
      home,
    };
  }
}

const AUDIENCE_ORDER: Audience[] = ['child', 'unborn', 'adult'];
