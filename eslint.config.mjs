// Lint rules. The one architectural rule: only src/bot/ may import the Bot Framework or Teams AI
// packages, so a port to the Teams SDK v2 touches that folder alone.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const channelPackages = ['botbuilder', 'botbuilder-*', 'botframework-*', '@microsoft/teams-ai', '@microsoft/teams-ai/*'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [{ group: channelPackages, message: 'Only src/bot/ may import the channel SDK.' }] }],
    },
  },
  {
    files: ['src/bot/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  // The turns benchmark's yardstick, a bare botbuilder echo bot: benchmark code, never part of the app.
  {
    files: ['bench/echoBot.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
