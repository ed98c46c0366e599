import 'dotenv/config';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { startApp } from '../src/app';
import { ConfigError, loadConfig } from '../src/config';
import { projectRoot } from '../src/config/paths';
import { assertDemoAllowed, demoStaff, DemoRefusedError, loadDemo, PERSONAS, persona, type Persona } from '../src/demo';
import { createLogger } from '../src/logging/logger';
import { StoreLockedError } from '../src/storage/embedded';

/**
 * `npm run playground -- --as lead|manager|practice-lead|staff`: the bot on the demo organisation
 * (its own data folder, ./.data-demo, unless DATA_DIR is set) and the Microsoft 365 Agents
 * Playground signed in as that person, through the Playground's configuration file
 * (M365_AGENTS_PLAYGROUND_CONFIG_PATH). Prints the address to open. Local use only.
 */
export const ROLE_LABELS: Record<Persona, string> = {
  lead: 'safeguarding lead',
  manager: 'team manager',
  'practice-lead': 'GP practice safeguarding lead',
  staff: 'member of staff',
};

const argsSchema = z.object({
  as: z.enum(PERSONAS, { errorMap: () => ({ message: `--as must be one of ${PERSONAS.join(', ')}` }) }),
  port: z.coerce.number({ invalid_type_error: '--port must be a number' }).int().min(1).max(65535).default(3978),
  playgroundPort: z.coerce
    .number({ invalid_type_error: '--playground-port must be a number' })
    .int()
    .min(1)
    .max(65535)
    .default(56150),
});
export type PlaygroundArgs = z.infer<typeof argsSchema>;

export class UsageError extends Error {}

export const USAGE = `Usage: npm run playground -- --as ${PERSONAS.join('|')} [--port 3978] [--playground-port 56150]`;

export function parseArgs(argv: string[]): PlaygroundArgs {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(as|port|playground-port)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new UsageError(`I do not know the option "${argv[i]}".\n${USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${m[1]} needs a value.\n${USAGE}`);
    raw[m[1] === 'playground-port' ? 'playgroundPort' : m[1]!] = value;
  }
  if (!raw.as) throw new UsageError(`Who do you want to be? ${USAGE}`);
  const parsed = argsSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${parsed.error.issues.map((i) => i.message).join('; ')}\n${USAGE}`);
  return parsed.data;
}

const yamlString = (s: string) => JSON.stringify(s); // JSON strings are valid YAML scalars

/** The Playground's configuration: the persona as the current user, a few colleagues for group chats. */
export function playgroundConfig(who: Persona): string {
  const me = persona(who);
  const colleagues = demoStaff()
    .filter((p) => p.aadObjectId && p.employeeId !== me.employeeId)
    .slice(0, 5); // the Playground wants at least five other people
  const user = (p: { employeeId: string; name: string; aadObjectId?: string }, indent: string) => {
    const [given, ...rest] = p.name.replace(/^Dr /, '').split(' ');
    const email = `${p.name
      .replace(/^Dr /, '')
      .toLowerCase()
      .replace(/[^a-z ]/g, '')
      .replace(/ /g, '.')}@demo.nhs.example`;
    return [
      `id: ${yamlString(`demo-${p.employeeId.toLowerCase()}`)}`,
      `name: ${yamlString(p.name)}`,
      `userPrincipleName: ${yamlString(email)}`,
      `aadObjectId: ${yamlString(p.aadObjectId!)}`,
      `givenName: ${yamlString(given!)}`,
      `surname: ${yamlString(rest.join(' '))}`,
      `email: ${yamlString(email)}`,
    ]
      .map((l, i) => `${i === 0 && indent.endsWith('- ') ? indent : ' '.repeat(indent.length)}${l}`)
      .join('\n');
  };
  return [
    '# Written by npm run playground: the Agents Playground signs in as this person.',
    'version: "0.1.1"',
    'tenantId: "00000000-0000-4000-8000-00000000d3e0"',
    'bot:',
    '  id: "00000000-0000-4000-8000-00000000b071"',
    '  name: "Safeguarding support"',
    'currentUser:',
    user(me, '  '),
    'users:',
    ...colleagues.map((c) => user(c, '  - ')),
    'personalChat:',
    `  id: ${yamlString(`demo-personal-${who}`)}`,
    'groupChat:',
    `  id: ${yamlString(`demo-group-${who}`)}`,
    '  name: "Safeguarding huddle (demo)"',
    'team:',
    `  id: ${yamlString(`demo-team-${who}`)}`,
    '  name: "Demo organisation"',
    '  aadGroupId: "00000000-0000-4000-8000-00000000e001"',
    '  channels:',
    `    - id: ${yamlString(`demo-channel-${who}`)}`,
    '      name: "Announcements"',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const started = Date.now();
  const args = parseArgs(argv);
  assertDemoAllowed(process.env);
  const env = {
    ...process.env,
    DATA_DIR: process.env.DATA_DIR?.trim() || path.join(projectRoot(), '.data-demo'),
    PORT: String(args.port),
  };
  const config = loadConfig(env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-playground-'));
  const logFile = path.join(work, 'bot.log');
  const log = createLogger(config.logLevel, fs.createWriteStream(logFile));
  const app = await startApp(config, log, { host: '127.0.0.1' });
  const demo = await loadDemo(app);
  const me = persona(args.as);
  // Each start opens a fresh Playground chat: let it welcome this person again, as a new install does.
  await app.conversations.forgetWelcome(me.aadObjectId);

  const configPath = path.join(work, 'm365agentsplayground.yml');
  fs.writeFileSync(configPath, playgroundConfig(args.as));
  const cli = require.resolve('@microsoft/m365agentsplayground/cli.js');
  const child = spawn(
    process.execPath,
    [
      cli,
      'start',
      '-e',
      `http://127.0.0.1:${args.port}/api/messages`,
      '-c',
      'msteams',
      '--dt',
      '-p',
      String(args.playgroundPort),
    ],
    {
      cwd: work, // it writes devTools/ into its working folder
      env: { ...process.env, M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));

  const stop = async (code: number) => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await app.close();
    fs.rmSync(work, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  child.once('exit', (code) => {
    const devLog = path.join(work, 'devTools', 'm365agentsplayground.log');
    const detail = code
      ? `\n${out.slice(-2000)}${
          fs.existsSync(devLog)
            ? fs
                .readFileSync(devLog, 'utf8')
                .split('\n')
                .filter((l) => l.startsWith('error'))
                .join('\n')
            : ''
        }`
      : '';
    process.stderr.write(`The Playground stopped (exit code ${code}).${detail}\n`);
    void stop(code ? 1 : 0);
  });

  const url = `http://localhost:${args.playgroundPort}`;
  for (const deadline = Date.now() + 60_000; ;) {
    try {
      if ((await fetch(`http://127.0.0.1:${args.playgroundPort}/`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      process.stderr.write(`The Playground did not answer within 60 s.\n${out.slice(-2000)}\n`);
      return stop(1);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  process.stdout.write(
    `\nYou are ${me.name}, ${ROLE_LABELS[args.as]} (${me.team}${me.practiceCode ? `, practice ${me.practiceCode}` : ''}).\n` +
      `Open ${url} in your browser: the welcome card shows what you can do; type help at any time.\n` +
      `Demo organisation in ${config.dataDir} (staff: ${demo.staff}). Bot log: ${logFile}\n` +
      `Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Press Ctrl+C to stop.\n`,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    const known =
      err instanceof UsageError ||
      err instanceof DemoRefusedError ||
      err instanceof ConfigError ||
      err instanceof StoreLockedError;
    process.stderr.write(`${known ? '' : 'The playground could not start: '}${(err as Error).message}\n`);
    process.exit(1);
  });
}
