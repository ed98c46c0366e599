import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { ManifestUtil } from '@microsoft/app-manifest';
import { projectRoot } from '../src/config/paths';
import { buildManifest } from '../scripts/package';
import { decodePng } from '../scripts/png';
import { cardOf, cardText } from './helpers/connector';
import { onlyLoopback, startTestBot, type TestBot } from './helpers/bot';
import { removeDir, tempDir } from './helpers/tmp';

const ENV = {
  MicrosoftAppId: '6F1C2A9E-1B2C-4D3E-8F40-0123456789AB',
  BOT_DOMAIN: 'safeguarding-bot.azurewebsites.net',
  PRIVACY_URL: 'https://www.example.nhs.uk/privacy',
  TERMS_URL: 'https://www.example.nhs.uk/terms',
};
const SCHEMA = path.join(
  projectRoot(),
  'node_modules',
  '@microsoft',
  'app-manifest',
  'build',
  'json-schemas',
  'teams',
  'v1.30',
  'MicrosoftTeams.schema.json',
);

type Manifest = {
  id: string;
  bots: { botId: string; commandLists: { scopes: string[]; commands: { title: string }[] }[] }[];
  validDomains: string[];
};

describe('the Teams app package', () => {
  it('builds a manifest that validates against the bundled v1.30 schema', async () => {
    const manifest = buildManifest(ENV);
    const schema = JSON.parse(fs.readFileSync(SCHEMA, 'utf8'));
    const errors = await ManifestUtil.validateManifestAgainstSchema(manifest as never, schema);
    expect(errors).toEqual([]);
    const m = manifest as unknown as Manifest;
    expect(m.id).toBe(ENV.MicrosoftAppId.toLowerCase());
    expect(m.bots[0]!.botId).toBe(ENV.MicrosoftAppId.toLowerCase());
    expect(m.validDomains).toEqual([ENV.BOT_DOMAIN]);
  });

  it('catches a manifest the schema would refuse', async () => {
    const manifest = { ...buildManifest(ENV), accentColor: 'blue' };
    const schema = JSON.parse(fs.readFileSync(SCHEMA, 'utf8'));
    expect((await ManifestUtil.validateManifestAgainstSchema(manifest as never, schema)).join('\n')).toMatch(
      /accentColor/,
    );
  });

  it('npm run package writes appPackage.zip with the manifest and both icons', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'appPackage.zip');
    const result = spawnSync(process.execPath, [path.join(projectRoot(), 'dist', 'scripts', 'package.js'), out], {
      env: {
        PATH: process.env.PATH,
        ...ENV,
        TEAMS_APP_ID: '0a0b0c0d-1111-4222-8333-444455556666',
        DOTENV_CONFIG_PATH: '/nonexistent',
      },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const zip = await JSZip.loadAsync(fs.readFileSync(out));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Manifest;
    expect(manifest.id).toBe('0a0b0c0d-1111-4222-8333-444455556666');
    expect(manifest.bots[0]!.botId).toBe(ENV.MicrosoftAppId.toLowerCase());
    removeDir(dir);
  });

  it('names every missing or bad setting instead of building a broken package', () => {
    const result = spawnSync(
      process.execPath,
      [path.join(projectRoot(), 'dist', 'scripts', 'package.js'), path.join(tempDir(), 'x.zip')],
      {
        env: {
          PATH: process.env.PATH,
          MicrosoftAppId: 'not-a-guid',
          BOT_DOMAIN: 'https://x.example',
          DOTENV_CONFIG_PATH: '/nonexistent',
        },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(1);
    for (const name of ['MicrosoftAppId', 'BOT_DOMAIN', 'PRIVACY_URL', 'TERMS_URL'])
      expect(result.stderr).toContain(name);
  });
});

describe('the app icons', () => {
  const read = (name: string) => decodePng(fs.readFileSync(path.join(projectRoot(), 'manifest', name)));

  it('has a 192x192 colour icon', () => {
    const icon = read('color.png');
    expect([icon.width, icon.height]).toEqual([192, 192]);
  });

  it('has a 32x32 outline icon that is white on a transparent background', () => {
    const icon = read('outline.png');
    expect([icon.width, icon.height]).toEqual([32, 32]);
    expect(icon.colourType).toBe(6);
    let transparent = 0;
    let opaque = 0;
    for (let i = 0; i < icon.data.length; i += 4) {
      const alpha = icon.data[i + 3]!;
      if (alpha === 0) transparent++;
      else {
        opaque++;
        expect([icon.data[i], icon.data[i + 1], icon.data[i + 2]]).toEqual([255, 255, 255]);
      }
    }
    expect(transparent).toBeGreaterThan(32 * 32 * 0.3);
    expect(opaque).toBeGreaterThan(32 * 32 * 0.1);
  });
});

describe('the command menu in the manifest', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot();
  });
  afterAll(async () => {
    await bot.stop();
  });

  const manifest = buildManifest(ENV) as unknown as Manifest;
  const cases = manifest.bots[0]!.commandLists.flatMap((list) =>
    list.commands.map((c) => [list.scopes.join('/'), c.title] as const),
  );

  it.each(cases)('%s: "%s" is handled by the bot, not answered with "I did not understand"', async (scopes, title) => {
    const conversation =
      scopes === 'personal'
        ? undefined
        : { id: `19:channel-${title}`, conversationType: 'channel', tenantId: 'tenant-1' };
    const before = bot.connector.sent.length;
    await bot.post(bot.activity({ type: 'message', text: title, ...(conversation ? { conversation } : {}) }));
    const reply = await bot.connector.waitFor(
      (a) => bot.connector.sent.indexOf(a) >= before && (conversation ? a.conversationId === conversation.id : true),
    );
    expect(cardText(cardOf(reply))).not.toContain('did not understand');
    expect(reply.activity.text ?? '').not.toMatch(/did not understand/);
  });
});
