import { csvField, ExportLinks, toCsv } from '../src/exports';

describe('signed export links', () => {
  let now = new Date('2026-11-23T10:00:00Z');
  const links = new ExportLinks(
    () => 'https://bot.example.nhs.uk/',
    () => now,
  );
  links.register('demo', async (params) => ({ filename: 'demo.csv', csv: `year\n${params.year}\n` }));
  const token = (url: string) => url.split('/exports?token=')[1]!;

  it('serves the file for a fresh link', async () => {
    const { url, expiresAt } = links.link('demo', { year: '2026' });
    expect(url.startsWith('https://bot.example.nhs.uk/exports?token=')).toBe(true);
    expect(expiresAt.toISOString()).toBe('2026-11-23T10:15:00.000Z');
    await expect(links.resolve(token(url))).resolves.toEqual({ filename: 'demo.csv', csv: 'year\n2026\n' });
  });

  it('refuses a link after 15 minutes, a tampered link, and one signed by another process', async () => {
    const { url } = links.link('demo', { year: '2026' });
    const [payload, sig] = token(url).split('.');
    const forged = Buffer.from(
      JSON.stringify({ kind: 'demo', params: { year: '1999' }, exp: Date.parse('2030-01-01') }),
    ).toString('base64url');
    await expect(links.resolve(`${forged}.${sig}`)).resolves.toBeUndefined();
    await expect(links.resolve(`${payload}.${sig!.slice(1)}x`)).resolves.toBeUndefined();
    await expect(
      new ExportLinks(
        () => 'x',
        () => now,
      ).resolve(token(url)),
    ).resolves.toBeUndefined();
    now = new Date(now.getTime() + 15 * 60 * 1000);
    await expect(links.resolve(token(url))).resolves.toBeUndefined();
  });

  it('accepts a link made by another instance with the same configured key, and by the previous key during a rotation', async () => {
    const old = Buffer.from('o'.repeat(48));
    const current = Buffer.from('c'.repeat(48));
    const make = (keys: Buffer[]) => {
      const l = new ExportLinks(
        () => 'https://bot.example.nhs.uk/',
        () => now,
        keys,
      );
      l.register('demo', async () => ({ filename: 'demo.csv', csv: 'ok\n' }));
      return l;
    };
    const before = make([old]).link('demo').url;
    const after = make([current, old]);
    await expect(after.resolve(token(before))).resolves.toEqual({ filename: 'demo.csv', csv: 'ok\n' });
    await expect(make([current]).resolve(token(after.link('demo').url))).resolves.toEqual({
      filename: 'demo.csv',
      csv: 'ok\n',
    });
    await expect(make([current]).resolve(token(before))).resolves.toBeUndefined(); // rotation finished: the old key is gone
  });

  it('writes CSV that spreadsheets cannot run as formulas', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1')).toBe("'-1");
    expect(csvField('a, b')).toBe('"a, b"');
    expect(toCsv(['a', 'b'], [[1, undefined]])).toBe('a,b\r\n1,\r\n');
    // Full-width formula starters (Excel reads ＝ as =), and formulas behind leading spaces.
    for (const s of ['＝1+1', '＋1', '－1', '＠SUM(A1)', ' =1+1', '\u3000=1', '\n=1'])
      expect(csvField(s).replace(/^"/, '')).toMatch(/^'/);
  });
});
