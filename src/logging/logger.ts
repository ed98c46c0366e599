import { createHmac } from 'node:crypto';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Message text typed by users is never logged: callers log ids and
 * outcomes only, and these paths are redacted as a second line of defence.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'safeguarding-bot' },
      redact: {
        paths: ['text', '*.text', 'activity.text', 'value', '*.value', 'attachments', '*.attachments'],
        censor: '[not logged]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** A short reference users can quote to the team, also written to the log. */
export function newReferenceCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let code = '';
  for (let i = 0; i < 6; i++) code += alphabet[Math.floor(Math.random() * alphabet.length)];
  return code;
}

/**
 * A pseudonymous user id for the logs: a keyed HMAC of the Entra object id (lower case), 16 hex
 * characters. The same person gets the same id for as long as the key is the same; without the key
 * it cannot be turned back into the person. Never log names.
 */
export function pseudonym(key: string, aadObjectId: string | undefined): string | undefined {
  if (!aadObjectId) return undefined;
  return createHmac('sha256', key).update(aadObjectId.toLowerCase()).digest('hex').slice(0, 16);
}

/**
 * `pseudonym` under one key, remembered per person for this process (an HMAC is about 10 µs and
 * the same people come back turn after turn). Bounded: the cache starts afresh past `max` people.
 */
export function pseudonymiser(key: string, max = 20_000): (aadObjectId: string | undefined) => string | undefined {
  const known = new Map<string, string>();
  return (aadObjectId) => {
    if (!aadObjectId) return undefined;
    let id = known.get(aadObjectId);
    if (id === undefined) {
      id = pseudonym(key, aadObjectId)!;
      if (known.size >= max) known.clear();
      known.set(aadObjectId, id);
    }
    return id;
  };
}
