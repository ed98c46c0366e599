import type { Logger } from '../logging/logger';
import type { Permission, Principal } from '../people/roles';

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

export interface ChatFile {
  name: string;
  /** Where to fetch the content; pre-authorised by Teams and short-lived. */
  downloadUrl: string;
}

export interface ChatTurn {
  user: ChatUser;
  principal: Principal;
  conversation: { id: string; kind: ConversationKind };
  /** What the user typed, with any @mention of the bot removed. Never log it. */
  text: string;
  /** Data from an Adaptive Card submit, if this turn is one. Validate with zod before use. */
  value?: unknown;
  /**
   * What followed the command's name, when its pattern captures it (the team in "team compliance
   * Finance"): matched once by the bot layer, never re-parsed by the handler.
   */
  args?: string;
  /** Files the person attached to the message (Teams gives a short-lived download address). */
  files?: ChatFile[];
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
  /** Whole-message patterns that invoke it (case-insensitive); a group named `args` becomes `turn.args`. */
  patterns: RegExp[];
  handle: TurnHandler;
  /**
   * Its replies show names, compliance figures or download links: asked for in a group chat or a
   * channel, they go to the person's 1:1 chat instead (see `privately` in ./private.ts).
   */
  privileged?: boolean;
  /**
   * Who may use it; absent means everyone. Help, the welcome card and the manifest's command list
   * are generated from this, and the handler refuses anyone else (a test checks the two agree).
   */
  permission?: Permission;
  /**
   * It answers everyone alike, from what Teams says about them: the turn does not look the person
   * up in the directory, and its principal is plain staff (or a lead named in configuration).
   * "What to do if you're worried" is one, so it answers even when the directory cannot.
   */
  anyone?: true;
  /** How to type it when it takes more than its name, e.g. "team compliance [team]". */
  usage?: string;
  /** Offered as a button on the welcome card and in help, with this title. */
  button?: string;
}

/** A card action: the `verb` in an Action.Submit's data. */
export interface CardAction {
  verb: string;
  handle: TurnHandler;
  /** As for Command: replies only ever in the person's 1:1 chat. */
  privileged?: boolean;
  /** As for Command: who may press it (the handler refuses anyone else, and the refusal is audited). */
  permission?: Permission;
  /** As for Command: it answers everyone alike, without looking the person up. */
  anyone?: true;
}

/**
 * A Universal Action (Action.Execute) verb. The handler's reply replaces the card the person
 * pressed (a card), or is shown to them as a short message (text).
 */
export interface ExecuteAction {
  verb: string;
  handle(turn: ChatTurn): Promise<Reply>;
}

/** Teams told us how far a person has read their 1:1 chat. */
export interface ReadReceipt {
  aadObjectId: string;
  lastReadMessageId: string;
}

/** What each capability folder hands the bot layer. */
export interface Capability {
  name: string;
  commands?: Command[];
  actions?: CardAction[];
  executes?: ExecuteAction[];
  /** Called for Teams read receipts in 1:1 chats. */
  onReadReceipt?: (receipt: ReadReceipt, log: Logger) => Promise<void>;
  /** Called when the bot is installed for, or first meets, a user in a 1:1 chat. */
  onWelcome?: TurnHandler;
  /**
   * Called for a message carrying files (before any free-text handler); returns true if it took
   * them. Tried in capability order.
   */
  onFiles?: (turn: ChatTurn) => Promise<boolean>;
  /** Called for a message nothing else matched; returns true if it answered. Tried in capability order. */
  onUnrecognised?: (turn: ChatTurn) => Promise<boolean>;
  /** Its onUnrecognised answers everyone alike, as Command.anyone: free text is not looked up in the directory. */
  unrecognisedAnyone?: true;
  /** Starts the capability's own timers (reminders, the broadcast engine) once the bot is connected. */
  start?(): void;
  /** Stops them and lets work already under way finish, before storage closes. */
  stop?(): Promise<void>;
}

/** Why a proactive send failed, in the channel's terms but without its types. */
export type DeliveryFailureKind =
  /** 429: too many messages; wait `retryAfterMs` if given. */
  | 'throttled'
  /** 412, 502, 503, 504, a timeout or a dropped connection: worth trying again later. */
  | 'transient'
  /** 404: the 1:1 conversation no longer exists (chat deleted, app reinstalled). */
  | 'conversation-not-found'
  /** 403: the person blocked the bot or removed the app. */
  | 'blocked'
  /** Anything else: the service refused this message and will refuse it again. */
  | 'rejected';

export class DeliveryError extends Error {
  constructor(
    readonly kind: DeliveryFailureKind,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface DeliverOptions {
  /**
   * Awaited immediately before the request leaves (after the chat has been looked up), so a rate
   * limiter's slot and the moment Teams counts the message are as close as they can be.
   */
  beforeSend?: () => Promise<void>;
  /**
   * The person's stored chat, when the caller already read it (a broadcast reads a batch of them in
   * one query); otherwise the notifier looks it up. Opaque to features.
   */
  chat?: { reference: Record<string, unknown> };
}

/** Sends to a person outside a turn (reminders, briefings). Implemented by the bot layer. */
export interface Notifier {
  /** Whether the bot has a stored 1:1 chat with this person (so sendToPerson can reach them). */
  hasChat(aadObjectId: string): Promise<boolean>;
  sendToPerson(aadObjectId: string, reply: Reply): Promise<'sent' | 'no-conversation'>;
  /**
   * One attempt to post into a person's stored 1:1 chat, with no retries of the SDK's own: the
   * caller decides when to try again. Throws DeliveryError.
   */
  deliver(
    aadObjectId: string,
    reply: Reply,
    opts?: DeliverOptions,
  ): Promise<{ activityId: string; conversationId: string } | 'no-conversation'>;
  /** Replaces a message the bot sent earlier (a progress card). Throws DeliveryError. */
  update(aadObjectId: string, activityId: string, reply: Reply): Promise<void>;
  /** Opens a new 1:1 chat with the stored user and tenant and remembers it. False if there is nothing to recreate from. */
  recreateConversation(aadObjectId: string): Promise<boolean>;
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

  private get bot(): Notifier {
    if (!this.target) throw new Error('The notifier is not connected to the bot yet');
    return this.target;
  }

  hasChat(aadObjectId: string): Promise<boolean> {
    return this.bot.hasChat(aadObjectId);
  }

  sendToPerson(aadObjectId: string, reply: Reply): Promise<'sent' | 'no-conversation'> {
    return this.bot.sendToPerson(aadObjectId, reply);
  }

  deliver(
    aadObjectId: string,
    reply: Reply,
    opts?: DeliverOptions,
  ): Promise<{ activityId: string; conversationId: string } | 'no-conversation'> {
    return this.bot.deliver(aadObjectId, reply, opts);
  }

  update(aadObjectId: string, activityId: string, reply: Reply): Promise<void> {
    return this.bot.update(aadObjectId, activityId, reply);
  }

  recreateConversation(aadObjectId: string): Promise<boolean> {
    return this.bot.recreateConversation(aadObjectId);
  }
}

/**
 * Looks at message text before anything else sees it. Returning a reply stops the turn: the
 * text is not routed, stored or logged, and the reply is sent instead.
 */
export type TextScreen = (text: string) => Reply | undefined;
