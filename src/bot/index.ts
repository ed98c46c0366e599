import type { Activity, InvokeResponse, Request, Response, TurnContext } from 'botbuilder';
import type { TurnState } from '@microsoft/teams-ai';
// The two classes from their own modules: the package's index also loads its AI planners, models
// and tokenizer, which this bot never uses (measured: 11 MB of heap, 13 MB resident, 0.25 s of
// start-up). Application itself still loads botbuilder-dialogs for its sign-in support.
import { Application } from '@microsoft/teams-ai/lib/Application';
import { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import type { Config } from '../config';
import type { Logger } from '../logging/logger';
import type { Capability, Notifier, TextScreen } from '../chat/types';
import { checkActivity, tokenProblem } from './requests';
import { TURN_STORAGE_BUDGET_MS, withStorageBudget } from '../storage/deadline';
import type { PeopleDirectory } from '../people/directory';
import type { ConversationStore } from '../people/conversations';
import { reuseTurnClients } from './connectors';
import { createNotifier } from './notifier';
import { registerRoutes } from './routes';
import { createTurns } from './turns';

export { classify } from './notifier';

/**
 * The channel layer: the only folder that imports botbuilder or Teams AI. It turns activities into
 * channel-neutral ChatTurns (turns.ts), routes them to the capabilities' commands and card actions
 * (routes.ts), and implements proactive messaging (notifier.ts). This file is its face: the adapter,
 * authentication and the HTTP answer. Porting to the Teams SDK v2 means rewriting this folder only.
 */
export interface BotDeps {
  config: Config;
  log: Logger;
  directory: PeopleDirectory;
  conversations: ConversationStore;
  capabilities: Capability[];
  /** Checks on message text before routing (the patient-data guard). */
  screens?: TextScreen[];
}

export interface Bot {
  /** Handles POST /api/messages (authentication included). */
  process(req: Request, res: Response): Promise<void>;
  notifier: Notifier;
}

export function createBot(deps: BotDeps): Bot {
  const { config, log, directory, conversations, capabilities, screens = [] } = deps;
  const adapter = new TeamsAdapter(
    config.bot.appId
      ? {
          MicrosoftAppId: config.bot.appId,
          MicrosoftAppPassword: config.bot.appPassword,
          MicrosoftAppType: config.bot.appType,
          MicrosoftAppTenantId: config.bot.tenantId,
        }
      : {},
  );
  if (!reuseTurnClients(adapter))
    log.warn('the adapter is not shaped as expected: each turn builds its own connector client (slower, not wrong)');
  const app = new Application<TurnState>({
    adapter,
    botAppId: config.bot.appId,
    startTypingTimer: false,
    removeRecipientMention: true,
    longRunningMessages: false,
  });

  const turns = createTurns(config, log, directory);
  const notifier = createNotifier(adapter, config, conversations);

  registerRoutes(app, { log, turns, notifier, conversations, capabilities, screens });

  return {
    process: async (req, res) => {
      const refuse = (status: 400 | 401, problem: string) => {
        log.warn({ status, problem }, 'messages request refused');
        res.status(status);
        res.send({ error: status === 401 ? 'Unauthorized.' : 'This request is not a Bot Framework activity.' });
        res.end();
      };
      const checked = checkActivity(req.body);
      if (!checked.ok) return refuse(checked.status, checked.problem);
      const authorization = (req.headers.authorization ?? req.headers.Authorization) as string | undefined;
      if (config.bot.appId) {
        const problem = tokenProblem(authorization);
        if (problem) return refuse(401, problem);
      }
      // The adapter's own process() prints errors with their stack and returns their text; we call
      // the step after it (authentication and the turn) and answer ourselves.
      const processActivity = (
        adapter as unknown as {
          processActivity(
            auth: string,
            activity: Activity,
            logic: (c: TurnContext) => Promise<void>,
          ): Promise<InvokeResponse | undefined>;
        }
      ).processActivity.bind(adapter);
      try {
        // Every turn's storage calls share one budget, so a hung store ends in the apology, not a hang.
        const invoke = await processActivity(
          authorization ?? '',
          checked.activity as unknown as Activity,
          async (context) => {
            const started = performance.now();
            let failed = false;
            try {
              await withStorageBudget(TURN_STORAGE_BUDGET_MS, () => app.run(context));
            } catch (err) {
              failed = true;
              throw err;
            } finally {
              // One line per turn for operators: the command or verb, the time taken, a pseudonymous user id.
              turns.turnLog(context).info(
                {
                  handler: turns.handledBy.get(context) ?? 'none',
                  ms: Math.round(performance.now() - started),
                  ...(failed ? { failed } : {}),
                },
                'turn',
              );
            }
          },
        );
        if (invoke?.status === 501) {
          // An invoke nothing here handles (an unknown verb or invoke name) is the sender's mistake,
          // not ours: a card action gets the Universal Actions error response, anything else 400.
          log.warn({ invoke: String(checked.activity.name ?? '').slice(0, 100) }, 'invoke not handled');
          const isCardAction = checked.activity.name === 'adaptiveCard/action';
          res.status(isCardAction ? 200 : 400);
          res.send(
            isCardAction
              ? {
                  statusCode: 400,
                  type: 'application/vnd.microsoft.error',
                  value: { code: 'BadRequest', message: 'This action is not available.' },
                }
              : { error: 'This invoke is not supported.' },
          );
          res.end();
          return;
        }
        res.status(invoke?.status ?? 200);
        if (invoke?.body !== undefined) res.send(invoke.body as never);
        res.end();
      } catch (err) {
        if ((err as Error).name === 'AuthenticationError' || (err as { statusCode?: number }).statusCode === 401)
          return refuse(401, `authentication failed: ${String((err as Error).message).slice(0, 200)}`);
        log.error(
          { err: { name: (err as Error).name, message: String((err as Error).message).slice(0, 300) } },
          'messages request failed',
        );
        res.status(500);
        res.send({ error: 'internal error' });
        res.end();
      }
    },
    notifier,
  };
}
