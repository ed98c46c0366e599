import fs from 'node:fs';
import { Writable } from 'node:stream';
import { CosmosClient } from '@azure/cosmos';
import { createLogger } from '../src/logging/logger';
import path from 'node:path';
import { openStore, type Store } from '../src/storage/store';
import { EmbeddedCosmos } from '../src/storage/embedded';
import { documentRid } from '../src/storage/embedded/documents';
import { removeDir, tempDir } from './helpers/tmp';

/**
 * How the embedded server keeps documents in memory (src/storage/embedded/documents.ts): etags
 * made in one piece, rids written directly, no `_self` on documents, short strings shared, and
 * snapshots that carry each document as an object (read directly at start, or through the
 * server's handler when memory is rebuilt). The memory and start-up figures these buy are
 * in `npm run bench:startup`; here, that nothing a client can see changed for the worse.
 */

// The server's own rid arithmetic, as its documents.js does it (big-integer, then base64).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ResourceId = (require('@vercel/cosmosdb-server/lib/account/resource-id') as { default: ServerResourceId })
  .default;
interface ServerResourceId {
  parse(rid: string): { document: string; toString(): string };
  bigNumberReadIntBE(buffer: Buffer, offset: number, length: number): { toString(): string };
}
function serversRid(collectionRid: string, n: number): string {
  const idBuffer = Buffer.alloc(8, 0);
  idBuffer.writeInt32LE(n, 0);
  idBuffer.writeInt8(0, 7);
  const rid = ResourceId.parse(collectionRid);
  rid.document = ResourceId.bigNumberReadIntBE(idBuffer, 0, 8).toString();
  return rid.toString();
}

const config = (dataDir: string) => ({ cosmos: { database: 'safeguarding' }, dataDir });

describe('documents in the embedded store', () => {
  it('writes the same rid as the server would, for every size of document number', () => {
    for (const collectionRid of ['rBsMAK+8AAA=', 'AQAAAICAgIA=', '/////////38=']) {
      const bytes = Buffer.from(collectionRid, 'base64');
      for (const n of [1, 2, 127, 128, 255, 256, 65_535, 65_536, 16_777_216, 150_009, 2 ** 31 - 1])
        expect(documentRid(bytes, n)).toBe(serversRid(collectionRid, n));
    }
  });

  describe('through @azure/cosmos', () => {
    let dir: string;
    let store: Store | undefined;
    beforeEach(() => {
      dir = tempDir();
    });
    afterEach(async () => {
      await store?.close();
      store = undefined;
      removeDir(dir);
    });

    it('gives each version of a document a new etag, and a write on an old etag is refused', async () => {
      store = await openStore(config(dir));
      const people = store.container('people');
      const { resource: first } = await people.items.create({ id: 'E1', team: 'Team 1' });
      const { resource: second } = await people.item('E1', 'E1').replace({ id: 'E1', team: 'Team 2' });
      expect(first?._etag).toMatch(/^[0-9a-f]{32}$/);
      expect(second?._etag).toMatch(/^[0-9a-f]{32}$/);
      expect(second?._etag).not.toBe(first?._etag);
      expect(second?._rid).toBe(first?._rid);
      await expect(
        people
          .item('E1', 'E1')
          .replace({ id: 'E1', team: 'Team 3' }, { accessCondition: { type: 'IfMatch', condition: first!._etag! } }),
      ).rejects.toMatchObject({ code: 412 });
      const { resource } = await people.item('E1', 'E1').read<{ team: string; _self?: string }>();
      expect(resource?.team).toBe('Team 2');
      expect(resource?._self).toBeUndefined();
    });

    it('rebuilds memory from a snapshot of document objects through the server itself, as after a failed disk write', async () => {
      store = await openStore(config(dir));
      const stamp = '2026-12-02T00:19:00.747Z';
      for (const id of ['E1', 'E2'])
        await store.container('training').items.create({ id: 'record', employeeId: id, completions: [{ at: stamp }] });
      await store.close();
      store = undefined;
      const lines: { msg?: string }[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as { msg?: string });
          done();
        },
      });
      const embedded = await EmbeddedCosmos.start({ dataDir: dir, log: createLogger('info', sink) });
      try {
        for (let i = 0; i < 300 && embedded.stats.compactions === 0; i++) await new Promise((r) => setTimeout(r, 100));
        expect(fs.readFileSync(path.join(dir, 'snapshot.jsonl'), 'utf8')).toContain('"o":{');
        // The path a failed journal write takes: every line replayed through the server's own handler.
        await (embedded as unknown as { rebuildFromDisk(): Promise<void> }).rebuildFromDisk();
        // Rebuilt, not kept as it was (a rebuild that fails keeps the old memory and says so).
        expect(lines.map((l) => l.msg)).toContain('embedded store: memory rebuilt from disk after a failed write');
        const client = new CosmosClient({
          endpoint: embedded.endpoint,
          key: embedded.key,
          connectionPolicy: { enableEndpointDiscovery: false },
        });
        const training = client.database('safeguarding').container('training');
        const { resource } = await training.item('record', 'E2').read<{ completions: { at: string }[] }>();
        expect(resource?.completions[0]?.at).toBe(stamp);
        const { resources } = await training.items.query('SELECT VALUE COUNT(1) FROM c').fetchAll();
        expect(resources[0]).toBe(2);
      } finally {
        await embedded.close();
      }
    });

    it('writes snapshots with each document as an object, and still opens snapshots that carry it as text', async () => {
      store = await openStore(config(dir));
      await store.container('people').items.create({ id: 'E1', name: 'Person 1', roles: ['manager'], n: 1 });
      await store.close();
      store = undefined;
      // Started again, the store compacts the journal into a snapshot 5 s later.
      const embedded = await EmbeddedCosmos.start({ dataDir: dir });
      for (let i = 0; i < 300 && embedded.stats.compactions === 0; i++) await new Promise((r) => setTimeout(r, 100));
      await embedded.close();
      const snapshot = path.join(dir, 'snapshot.jsonl');
      const lines = fs.readFileSync(snapshot, 'utf8').trim().split('\n');
      const docLine = lines.map((l) => JSON.parse(l) as { u?: string; b?: string; o?: object }).find((e) => e.o);
      expect(docLine?.o).toEqual({ id: 'E1', name: 'Person 1', roles: ['manager'], n: 1 });
      expect(docLine?.b).toBeUndefined();

      // The snapshot as a version before December 2026 wrote it: the body as JSON text in `b`.
      const older = lines.map((l) => {
        const e = JSON.parse(l) as { o?: object; b?: string };
        if (!e.o) return l;
        const { o, ...rest } = e;
        return JSON.stringify({ ...rest, b: JSON.stringify(o) });
      });
      fs.writeFileSync(snapshot, `${older.join('\n')}\n`);
      store = await openStore(config(dir));
      const { resource } = await store.container('people').item('E1', 'E1').read<{ name: string; roles: string[] }>();
      expect(resource).toMatchObject({ name: 'Person 1', roles: ['manager'] });
    });
  });
});
