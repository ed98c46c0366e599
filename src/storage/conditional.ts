import type { Container, OperationInput } from '@azure/cosmos';

/**
 * Writes that must not overwrite someone else's change: replace under the etag the caller read,
 * or create when there was nothing. Returns false when another writer got there first (412/409).
 */
export async function writeIfUnchanged<T extends { id: string }>(
  container: Container,
  doc: T,
  partitionKey: string,
  etag: string | undefined,
): Promise<boolean> {
  try {
    if (etag)
      await container
        .item(doc.id, partitionKey)
        .replace(doc, { accessCondition: { type: 'IfMatch', condition: etag } });
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
export async function claimOncePer(
  container: Container,
  id: string,
  partitionKey: string,
  intervalMs: number,
  now: Date,
  fields: Record<string, unknown>,
): Promise<boolean> {
  const { resource: current } = await container.item(id, partitionKey).read<{ sentAt: string; _etag: string }>();
  if (current && now.getTime() - Date.parse(current.sentAt) < intervalMs) return false;
  return writeIfUnchanged(container, { ...fields, id, sentAt: now.toISOString() }, partitionKey, current?._etag);
}

/** Gives back a slot claimed with claimOncePer (the message it was for did not go out). */
export async function releaseClaim(container: Container, id: string, partitionKey: string): Promise<void> {
  try {
    await container.item(id, partitionKey).delete();
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
  }
}

/**
 * Runs create/replace operations in bulk, 100 at a time, and reports each one's outcome: undefined
 * when it was written, otherwise why not (a 409/412 means someone else changed it meanwhile), and the status.
 */
export async function bulkWrite<T extends { op: OperationInput }>(
  container: Container,
  items: T[],
  outcome: (item: T, failure: string | undefined, statusCode: number) => void,
): Promise<void> {
  for (let i = 0; i < items.length; i += 100) {
    const chunk = items.slice(i, i + 100);
    const results = await container.items.bulk(chunk.map((c) => c.op));
    results.forEach((r, j) => {
      const failure =
        r.statusCode < 400
          ? undefined
          : r.statusCode === 409 || r.statusCode === 412
            ? 'changed by someone else during the import; run it again'
            : `storage answered ${r.statusCode}`;
      outcome(chunk[j]!, failure, r.statusCode);
    });
  }
}

/**
 * Point reads in bulk (100 per request) of one document per partition: what was found, by partition
 * key. Missing documents are absent; any other failure throws.
 */
export async function bulkRead<T>(
  container: Container,
  keys: readonly { id: string; partitionKey: string }[],
): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for (let i = 0; i < keys.length; i += 100) {
    const chunk = keys.slice(i, i + 100);
    const results = await container.items.bulk(
      chunk.map((k): OperationInput => ({ operationType: 'Read', id: k.id, partitionKey: k.partitionKey })),
    );
    results.forEach((r, j) => {
      if (r.statusCode === 200 && r.resourceBody) out.set(chunk[j]!.partitionKey, r.resourceBody as unknown as T);
      else if (r.statusCode !== 404) throw new Error(`Reading in bulk: storage answered ${r.statusCode}`);
    });
  }
  return out;
}
