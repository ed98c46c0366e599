import type { BriefingDoc } from '../src/briefings/store';
import { loadBriefingLibrary } from '../src/briefings/content';
import { projectRoot } from '../src/config/paths';
import { bulkWrite } from '../src/storage/conditional';
import type { Store } from '../src/storage/store';
import path from 'node:path';

/**
 * A ready-to-send broadcast for the benchmark and the restart tests: `count` staff who have each
 * opened a 1:1 chat whose serviceUrl is the given connector, and one library briefing confirmed
 * for everyone (status "sending"), as if a lead had just pressed "Send now".
 */
export const FIXTURE_LEAD = 'bbbbbbbb-0000-4000-8000-000000000002';
export const recipientOid = (i: number) =>
  `${(0x10000000 + i).toString(16)}-0000-4000-8000-${String(i).padStart(12, '0')}`;

export async function seedBroadcast(
  store: Store,
  opts: { count: number; serviceUrl: string; now?: Date },
): Promise<string> {
  const now = (opts.now ?? new Date()).toISOString();
  const people = [];
  const chats = [];
  const oids = [FIXTURE_LEAD, ...Array.from({ length: opts.count }, (_, i) => recipientOid(i))];
  for (const [i, oid] of oids.entries()) {
    const lead = oid === FIXTURE_LEAD;
    if (!lead) {
      people.push({
        id: `E${i}`,
        employeeId: `E${i}`,
        name: `Person ${i}`,
        email: `p${i}@nhs.net`,
        aadObjectId: oid,
        team: `Team ${i % 20}`,
        staffGroup: 'all-staff',
        roles: [],
        importedAt: now,
      });
    }
    const conversationId = `a:personal-${oid}`;
    chats.push({
      id: oid,
      tenantId: 'tenant-1',
      conversationId,
      updatedAt: now,
      reference: {
        channelId: 'msteams',
        serviceUrl: opts.serviceUrl,
        conversation: { id: conversationId, conversationType: 'personal', tenantId: 'tenant-1' },
        user: { id: `29:${oid}`, aadObjectId: oid },
        bot: { id: '28:safeguarding-bot', name: 'Safeguarding support' },
      },
    });
  }
  const write = async (container: ReturnType<Store['container']>, docs: { id: string }[], pk: (d: never) => string) =>
    bulkWrite(
      container,
      docs.map((d) => ({
        op: { operationType: 'Upsert' as const, partitionKey: pk(d as never), resourceBody: d as never },
      })),
      (_i, failure) => {
        if (failure) throw new Error(failure);
      },
    );
  await write(store.container('people'), people, (d: { id: string }) => d.id);
  await write(store.container('conversations'), chats, (d: { id: string }) => d.id);
  const source = loadBriefingLibrary(path.join(projectRoot(), 'content', 'briefings')).find(
    (b) => b.id === 'safe-sleep',
  )!;
  const { id: libraryId, version: _v, reviewDue: _r, sources: _s, ...content } = source;
  const briefing: BriefingDoc = {
    id: `bench-${Date.now()}`,
    type: 'briefing',
    status: 'sending',
    content,
    libraryId,
    version: 1,
    author: { aadObjectId: FIXTURE_LEAD, name: 'Lee Lead' },
    createdAt: now,
    updatedAt: now,
    audience: { kind: 'everyone' },
    confirmedAt: now,
    startedAt: now,
  };
  await store.container('briefings').items.create(briefing);
  return briefing.id;
}
