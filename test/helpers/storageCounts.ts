import { Item, Items } from '@azure/cosmos';

/** Counts the SDK's queries, point reads and writes, by container, while it is installed. */
export function countStorage() {
  const queries: string[] = [];
  const reads: string[] = [];
  const writes: string[] = [];
  const spies: jest.SpyInstance[] = [];
  const wrap = <T extends object>(
    proto: T,
    name: keyof T & string,
    into: string[],
    containerOf: (self: T) => string,
  ) => {
    const original = proto[name] as unknown as (...a: unknown[]) => unknown;
    spies.push(
      jest.spyOn(proto, name as never).mockImplementation(function (this: T, ...args: unknown[]) {
        into.push(containerOf(this));
        return original.apply(this, args);
      } as never),
    );
  };
  wrap(Items.prototype, 'query', queries, (self) => self.container.id);
  wrap(Items.prototype, 'create', writes, (self) => self.container.id);
  wrap(Items.prototype, 'upsert', writes, (self) => self.container.id);
  wrap(Item.prototype, 'replace', writes, (self) => self.container.id);
  wrap(Item.prototype, 'read', reads, (self) => self.container.id);
  return { queries, reads, writes, restore: () => spies.forEach((s) => s.mockRestore()) };
}
