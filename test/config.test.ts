import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('starts with nothing set: local development defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3978,
      dataDir: './.data',
      cosmos: { database: 'safeguarding' },
      safeguardingLeadIds: [],
      logLevel: 'info',
      production: false,
    });
    expect(c.bot.appId).toBeUndefined();
  });

  it('treats an empty variable as unset', () => {
    const c = loadConfig({ PORT: '', COSMOS_DATABASE: ' ', MicrosoftAppId: '', LOG_LEVEL: '' });
    expect(c.port).toBe(3978);
    expect(c.cosmos.database).toBe('safeguarding');
    expect(c.bot.appId).toBeUndefined();
  });

  it('names every bad variable in one message', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        COSMOS_ENDPOINT: 'not a url',
        LOG_LEVEL: 'loud',
        SAFEGUARDING_LEAD_IDS: 'alice',
        MicrosoftAppType: 'Sometimes',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of [
      'PORT',
      'COSMOS_ENDPOINT',
      'COSMOS_KEY',
      'LOG_LEVEL',
      'SAFEGUARDING_LEAD_IDS',
      'MicrosoftAppType',
    ])
      expect(message).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(6);
  });

  it('refuses production without app credentials', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/MicrosoftAppId is required when NODE_ENV=production/);
    const credentials = {
      NODE_ENV: 'production',
      MicrosoftAppId: 'x',
      MicrosoftAppPassword: 'y',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: 't',
    };
    expect(() => loadConfig(credentials)).toThrow(/EXPORT_SIGNING_KEY is required when NODE_ENV=production/);
    expect(() => loadConfig({ ...credentials, EXPORT_SIGNING_KEY: 'k'.repeat(48) })).not.toThrow();
  });

  it("reads the download links' signing key, and the previous one during a rotation", () => {
    expect(
      loadConfig({ EXPORT_SIGNING_KEY: 'a'.repeat(40), EXPORT_SIGNING_KEY_PREVIOUS: 'b'.repeat(40) }).exportSigningKeys,
    ).toEqual({ current: 'a'.repeat(40), previous: 'b'.repeat(40) });
    expect(() => loadConfig({ EXPORT_SIGNING_KEY: 'short' })).toThrow(
      /EXPORT_SIGNING_KEY must be at least 32 characters/,
    );
    expect(() => loadConfig({ EXPORT_SIGNING_KEY_PREVIOUS: 'b'.repeat(40) })).toThrow(
      /only used with EXPORT_SIGNING_KEY/,
    );
  });

  it('requires the password and tenant that the chosen app type needs', () => {
    expect(() => loadConfig({ MicrosoftAppId: 'x' })).toThrow(/MicrosoftAppPassword is required/);
    expect(() =>
      loadConfig({ MicrosoftAppId: 'x', MicrosoftAppPassword: 'p', MicrosoftAppType: 'SingleTenant' }),
    ).toThrow(/MicrosoftAppTenantId is required/);
    expect(() =>
      loadConfig({ MicrosoftAppId: 'x', MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: 't' }),
    ).not.toThrow();
  });

  it('reads safeguarding leads as a comma-separated list of Entra object ids', () => {
    const c = loadConfig({
      SAFEGUARDING_LEAD_IDS: ' AAAAAAAA-0000-4000-8000-000000000001 , bbbbbbbb-0000-4000-8000-000000000002,',
    });
    expect(c.safeguardingLeadIds).toEqual([
      'aaaaaaaa-0000-4000-8000-000000000001',
      'bbbbbbbb-0000-4000-8000-000000000002',
    ]);
  });

  it('makes the real entry point exit with code 1 and a clear message, not a stack trace', () => {
    const result = spawnSync(process.execPath, [path.join(__dirname, '..', 'dist', 'src', 'server', 'main.js')], {
      env: { PATH: process.env.PATH, PORT: 'abc', NODE_ENV: 'production', DOTENV_CONFIG_PATH: '/nonexistent' },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('The configuration is not valid');
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain('MicrosoftAppId');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
