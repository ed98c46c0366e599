import type { Logger } from '../logging/logger';
import type { Principal } from '../people/roles';

/**
 * The channel-neutral shape of a conversation turn. Features see only this, never botbuilder or
 * Teams AI types, so moving to another SDK touches src/bot/ alone.
 */
export type ConversationKind = 'personal' | 'groupChat' | 'channel';

export interface ChatUser {
  /** Entra object id: the key for a person everywhere in the app. Missing only for odd test clients. */
  aadObjectId?: string;
  /** Display name as the channel gave it. */
  name?: string;
  tenantId?: string;
}

/** An Adaptive Card (already expanded from its template) or plain text. */
export type Reply = { text: string } | { card: Record<string, unknown>; fallbackText?: string };

export interface ChatTurn {
  user: ChatUser;
  principal: Principal;
  conversation: { id: string; kind: ConversationKind };
  /** What the user typed, with any @mention of the bot removed. Never log it. */
  text: string;
  /** Data from an Adaptive Card submit, if this turn is one. Validate with zod before use. */
  value?: unknown;
  /** Logger bound to this turn's request id. */
  log: Logger;
  send(reply: Reply): Promise<void>;
}

export type TurnHandler = (turn: ChatTurn) => Promise<void>;

/** A text command, also reachable from a menu button that names it. */
export interface Command {
  /** The canonical command, as shown in help and the Teams command menu. */
  name: string;
  /** What it does, for help and the manifest's command list. */
  description: string;
  /** Whole-message patterns that invoke it (case-insensitive). */
  patterns: RegExp[];
  handle: TurnHandler;
}

/** A card action: the `verb` in an Action.Submit's data. */
export interface CardAction {
  verb: string;
  handle: TurnHandler;
}

/** What each capability folder hands the bot layer. */
export interface Capability {
  name: string;
  commands?: Command[];
  actions?: CardAction[];
  /** Called when the bot is installed for, or first meets, a user in a 1:1 chat. */
  onWelcome?: TurnHandler;
  /** Called for a message nothing else matched; returns true if it answered. Tried in capability order. */
  onUnrecognised?: (turn: ChatTurn) => Promise<boolean>;
}

/** Sends to a person outside a turn (reminders, briefings). Implemented by the bot layer. */
export interface Notifier {
  sendToPerson(aadObjectId: string, reply: Reply): Promise<'sent' | 'no-conversation'>;
}

/**
 * A Notifier that capabilities can hold before the bot exists (the bot needs the capabilities
 * first); the composition root connects it once the bot is built.
 */
export class DeferredNotifier implements Notifier {
  private target?: Notifier;

  connect(target: Notifier): void {
    this.target = target;
  }

  sendToPerson(aadObjectId: string, reply: Reply): Promise<'sent' | 'no-conversation'> {
    if (!this.target) throw new Error('The notifier is not connected to the bot yet');
    return this.target.sendToPerson(aadObjectId, reply);
  }
}

/**
 * Looks at message text before anything else sees it. Returning a reply stops the turn: the
 * text is not routed, stored or logged, and the reply is sent instead.
 */
export type TextScreen = (text: string) => Reply | undefined;
