import { forEachPage, MANY, readAll } from '../storage/store';
import { completionId, courseKey, courseOf, RECORD_ID, type CompletionEntry, type TrainingRecord } from './record';
import type { TrainingStore } from './store';

/** One-off moves at start-up of training saved by earlier versions (one document per course; lower-case employee ids). */
/**
 * Folds training saved by earlier versions (one document per course) into people's records and
 * removes the old documents, so nothing recorded before is lost. Safe to run at every start.
 */
export async function upgradeCourseDocuments(store: TrainingStore): Promise<number> {
  type Old = CompletionEntry & { id: string; employeeId: string };
  const byPerson = new Map<string, Old[]>();
  let found = 0;
  await forEachPage(store.container.items.query<Old>('SELECT * FROM c WHERE IS_DEFINED(c.subject)', MANY), (page) => {
    for (const doc of page) {
      found++;
      const list = byPerson.get(doc.employeeId);
      if (list) list.push(doc);
      else byPerson.set(doc.employeeId, [doc]);
    }
  });
  for (const [employeeId, docs] of byPerson) {
    await store.update(employeeId, undefined, (list) => {
      const have = new Set(list.map((c) => completionId(employeeId, c)));
      const add = docs.filter((d) => !have.has(d.id)).map(courseOf);
      return add.length ? [...list, ...add] : undefined;
    });
    for (const d of docs)
      await store.container
        .item(d.id, employeeId)
        .delete()
        .catch(() => undefined);
  }
  return found;
}

/**
 * Records stored under an employee id that is not upper case (before ids were normalised) are
 * merged into the upper-case person's record and removed. Safe at every start.
 */
export async function upgradeEmployeeIds(store: TrainingStore): Promise<number> {
  const odd = await readAll(
    store.container.items.query<TrainingRecord>(
      {
        query: 'SELECT * FROM c WHERE c.id = @record AND c.employeeId != UPPER(c.employeeId)',
        parameters: [{ name: '@record', value: RECORD_ID }],
      },
      MANY,
    ),
  );
  for (const record of odd) {
    const id = record.employeeId.trim().toUpperCase();
    await store.update(id, record.team || undefined, (list) => {
      const have = new Set(list.map(courseKey));
      const add = record.completions.filter((c) => !have.has(courseKey(c)));
      return add.length || list.length === 0 ? [...list, ...add] : undefined;
    });
    await store.container.item(RECORD_ID, record.employeeId).delete();
  }
  return odd.length;
}
