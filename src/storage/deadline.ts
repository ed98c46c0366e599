import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A time budget for the storage calls of one conversation turn. Teams waits 15 seconds for a
 * turn; a store that hangs (or is down and retried) must not hold the person that long. The bot
 * runs each turn inside `withStorageBudget`; every Cosmos DB operation made while it runs, however
 * deep in a capability, takes its time off that budget (see the client plugins in store.ts) and
 * fails with StorageTimeoutError once it is spent, so the turn ends with the apology instead.
 *
 * Work a turn starts and does not wait for (an import, a broadcast) runs `inBackground`, outside
 * the turn's budget.
 */
interface Budget {
  /** Milliseconds of storage time left: each operation's duration is taken off as it ends. */
  left: number;
  /**
   * Aborted when an operation runs the budget out: the requests still on the wire are cut off.
   * One per budget, made when a request first asks for it (a timer per request cost more than
   * the rest of the budget's bookkeeping together).
   */
  controller?: AbortController;
}

const budgets = new AsyncLocalStorage<Budget>();

/** How long the storage calls of one turn may take in all, so the apology comes well within Teams' 15 seconds. */
export const TURN_STORAGE_BUDGET_MS = 4000;

export class StorageTimeoutError extends Error {
  readonly code = 'StorageTimeout';
  constructor() {
    super('Storage did not answer within the time this turn allows');
    this.name = 'StorageTimeoutError';
  }
}

export function withStorageBudget<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  return budgets.run({ left: ms }, fn);
}

/** Milliseconds of storage time left in the current budget, or undefined outside one. */
export function storageTimeLeft(): number | undefined {
  return budgets.getStore()?.left;
}

/**
 * A signal that aborts when the current budget is spent (an operation's time ran out), for the
 * requests on the wire; undefined outside a budget.
 */
export function storageBudgetSignal(): AbortSignal | undefined {
  const budget = budgets.getStore();
  if (!budget) return undefined;
  budget.controller ??= new AbortController();
  return budget.controller.signal;
}

/**
 * Runs one storage operation against the current budget: it fails with StorageTimeoutError when
 * the budget runs out before it answers, and its duration is taken off the budget either way.
 * Operations that run at the same time each count in full (the budget errs on the short side).
 */
export async function spendStorageTime<T>(operation: () => Promise<T>): Promise<T> {
  const budget = budgets.getStore();
  if (!budget) return operation();
  if (budget.left <= 0) throw new StorageTimeoutError();
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      budget.controller?.abort();
      reject(new StorageTimeoutError());
    }, budget.left);
  });
  try {
    return await Promise.race([operation(), expired]);
  } finally {
    clearTimeout(timer);
    budget.left -= Date.now() - started;
  }
}

/** Runs work a turn starts but does not wait for, outside the turn's storage budget. */
export function inBackground<T>(fn: () => Promise<T>): Promise<T> {
  return budgets.exit(fn);
}
