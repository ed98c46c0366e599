import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs, playgroundConfig, UsageError } from '../scripts/playground';
import { PERSONAS, persona } from '../src/demo';

describe('npm run playground -- --as <persona>', () => {
  it('reads --as and the ports, and explains a mistake', () => {
    expect(parseArgs(['--as', 'lead'])).toEqual({ as: 'lead', port: 3978, playgroundPort: 56150 });
    expect(parseArgs(['--as=practice-lead', '--port', '4000'])).toEqual({
      as: 'practice-lead',
      port: 4000,
      playgroundPort: 56150,
    });
    expect(() => parseArgs([])).toThrow(/Who do you want to be\?.*--as lead\|manager\|practice-lead\|staff/);
    expect(() => parseArgs(['--as', 'boss'])).toThrow(/--as must be one of lead, manager, practice-lead, staff/);
    expect(() => parseArgs(['--as', 'lead', '--port', 'x'])).toThrow(UsageError);
    expect(() => parseArgs(['--who', 'lead'])).toThrow(/I do not know the option "--who"/);
  });

  it.each(PERSONAS)('signs the Playground in as the demo %s, with a real Entra-style id', (who) => {
    const yaml = playgroundConfig(who);
    const me = persona(who);
    const current = /currentUser:\n((?: {2}.*\n)+)/.exec(yaml)![1]!;
    expect(current).toContain(`aadObjectId: "${me.aadObjectId}"`);
    expect(current).toContain(`name: "${me.name}"`);
    // The Playground refuses fewer than five other users, and repeated ids.
    const users =
      yaml
        .split('users:\n')[1]!
        .split('personalChat:')[0]!
        .match(/^ {2}- id:/gm) ?? [];
    expect(users.length).toBeGreaterThanOrEqual(5);
    const ids = [...yaml.matchAll(/^\s*-?\s*id: "(.*)"$/gm)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses to run in production', () => {
    const r = spawnSync(
      process.execPath,
      [path.join(__dirname, '..', 'dist', 'scripts', 'playground.js'), '--as', 'lead'],
      { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' }, encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/for local use only/);
  });
});
