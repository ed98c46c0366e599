import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A time budget for the storage calls of one conversation turn. Teams waits 15 seconds for a
 * turn; a store that hangs (or is down and retried) must not hold the person that long. The bot
 * runs each turn inside `withStorageBudget`; every Cosmos DB operation made while it runs, however
 * deep in a capability, shares that budget (see the client plugin in store.ts) and fails with
 * StorageTimeoutError once it is spent, so the turn ends with the apology instead.
 *
 * Work a turn starts and does not wait for (an import, a broadcast) runs `inBackground`, outside
 * the turn's budget.
 */
interface Budget {
  deadline: number;
}

const budgets = new AsyncLocalStorage<Budget>();

export class StorageTimeoutError extends Error {
  readonly code = 'StorageTimeout';
  constructor(ms: number) {
    super(`Storage did not answer within this turn's ${ms} ms budget`);
    this.name = 'StorageTimeoutError';
  }
}

export function withStorageBudget<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  return budgets.run({ deadline: Date.now() + ms }, fn);
}

/** Milliseconds left in the current turn's budget, or undefined outside a turn. */
export function storageTimeLeft(): number | undefined {
  const budget = budgets.getStore();
  return budget ? budget.deadline - Date.now() : undefined;
}

/** Runs work a turn starts but does not wait for, outside the turn's storage budget. */
export function inBackground<T>(fn: () => Promise<T>): Promise<T> {
  return budgets.exit(fn);
}
