import type { Container } from '@azure/cosmos';

/**
 * Writes that must not overwrite someone else's change: replace under the etag the caller read,
 * or create when there was nothing. Returns false when another writer got there first (412/409).
 */
export async function writeIfUnchanged<T extends { id: string }>(container: Container, doc: T, partitionKey: string, etag: string | undefined): Promise<boolean> {
  try {
    if (etag) await container.item(doc.id, partitionKey).replace(doc, { accessCondition: { type: 'IfMatch', condition: etag } });
    else await container.items.create(doc);
    return true;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === 412 || code === 409) return false;
    throw err;
  }
}

/**
 * Records that something (a reminder) happens now, unless it already did within `intervalMs`.
 * True for exactly one caller, however many ask at once.
 */
export async function claimOncePer(container: Container, id: string, partitionKey: string, intervalMs: number, now: Date, fields: Record<string, unknown>): Promise<boolean> {
  const { resource: current } = await container.item(id, partitionKey).read<{ sentAt: string; _etag: string }>();
  if (current && now.getTime() - Date.parse(current.sentAt) < intervalMs) return false;
  return writeIfUnchanged(container, { ...fields, id, sentAt: now.toISOString() }, partitionKey, current?._etag);
}
