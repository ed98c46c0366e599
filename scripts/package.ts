import 'dotenv/config';
import fs from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { z } from 'zod';
import { projectRoot } from '../src/config/paths';
import { commandCatalogue } from '../src/app';
import { manifestCommands } from '../src/home/menu';

/**
 * `npm run package`: builds appPackage.zip (manifest.json, color.png, outline.png) for upload to
 * Teams, filling ids and addresses from configuration into manifest/manifest.template.json.
 */
const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const https = z
  .string()
  .url('must be a web address')
  .refine((u) => u.startsWith('https://'), 'must start with https://');

const packageEnv = z.object({
  MicrosoftAppId: z.preprocess(blank, guid),
  TEAMS_APP_ID: z.preprocess(blank, guid.optional()),
  BOT_DOMAIN: z.preprocess(
    blank,
    z
      .string()
      .regex(
        /^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/i,
        'must be the host name the bot is served from, such as safeguarding-bot.azurewebsites.net (no https://)',
      ),
  ),
  PRIVACY_URL: z.preprocess(blank, https),
  TERMS_URL: z.preprocess(blank, https),
  WEBSITE_URL: z.preprocess(blank, https.optional()),
  DEVELOPER_NAME: z.preprocess(blank, z.string().max(32, 'must be at most 32 characters').optional()),
});

export class PackageConfigError extends Error {}

/** The manifest for this deployment, from the template and the environment. */
export function buildManifest(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const parsed = packageEnv.safeParse(env);
  if (!parsed.success) {
    throw new PackageConfigError(
      `Cannot build the Teams app package:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')} ${i.message}`).join('\n')}\nSee docs/deploy.md.`,
    );
  }
  const e = parsed.data;
  const version = (JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
  const values: Record<string, string> = {
    APP_VERSION: version,
    TEAMS_APP_ID: (e.TEAMS_APP_ID ?? e.MicrosoftAppId).toLowerCase(),
    BOT_ID: e.MicrosoftAppId.toLowerCase(),
    BOT_DOMAIN: e.BOT_DOMAIN.toLowerCase(),
    PRIVACY_URL: e.PRIVACY_URL,
    TERMS_URL: e.TERMS_URL,
    WEBSITE_URL: e.WEBSITE_URL ?? `https://${e.BOT_DOMAIN.toLowerCase()}`,
    DEVELOPER_NAME: e.DEVELOPER_NAME ?? 'NHS safeguarding team',
  };
  const template = fs.readFileSync(path.join(projectRoot(), 'manifest', 'manifest.template.json'), 'utf8');
  const filled = template.replace(/\$\{\{([A-Z_]+)\}\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new PackageConfigError(`The manifest template uses \${{${name}}}, which has no value`);
    return value.replace(/["\\]/g, '\\$&');
  });
  const manifest = JSON.parse(filled) as { bots: { commandLists: { scopes: string[]; commands: unknown[] }[] }[] };
  // The 1:1 command menu comes from the commands the capabilities declare, as help does.
  for (const list of manifest.bots[0]!.commandLists)
    if (list.scopes.includes('personal')) list.commands = manifestCommands(commandCatalogue());
  return manifest as unknown as Record<string, unknown>;
}

export async function writePackage(env: NodeJS.ProcessEnv, out: string): Promise<Record<string, unknown>> {
  const manifest = buildManifest(env);
  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  for (const icon of ['color.png', 'outline.png'])
    zip.file(icon, fs.readFileSync(path.join(projectRoot(), 'manifest', icon)));
  fs.writeFileSync(out, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  return manifest;
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? path.join(projectRoot(), 'appPackage.zip'));
  writePackage(process.env, out).then(
    () =>
      process.stdout.write(
        `Wrote ${out}: upload it in Teams (Apps > Manage your apps > Upload an app) or the Teams admin centre.\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
