// Lint rules. The one architectural rule: only src/bot/ may import the Bot Framework or Teams AI
// packages, so a port to the Teams SDK v2 touches that folder alone.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Every read is paged (src/storage/store.ts forEachPage/readAll): fetchAll spreads each page into
// one array, and one unbounded page overflows the call stack from about 125,000 results.
const pagedReads = [
  {
    selector: "CallExpression[callee.property.name='fetchAll']",
    message: 'Read a page at a time with forEachPage or readAll (src/storage/store.ts).',
  },
  {
    selector: "Property[key.name='maxItemCount'] > UnaryExpression[operator='-']",
    message: 'Pages must be bounded: use MANY or BIG_PAGE (src/storage/store.ts).',
  },
];

const channelPackages = [
  'botbuilder',
  'botbuilder-*',
  'botframework-*',
  '@microsoft/teams-ai',
  '@microsoft/teams-ai/*',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: channelPackages, message: 'Only src/bot/ may import the channel SDK.' }] },
      ],
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
    // Every read is paged (src/storage/store.ts forEachPage/readAll): fetchAll spreads each page
    // into one array, and one unbounded page overflows the call stack from about 125,000 results.
    // src/referral/ keeps its own small reads (it is another engineer's folder).
    files: ['src/**/*.ts'],
    ignores: ['src/referral/**'],
    rules: {
      'no-restricted-syntax': ['error', ...pagedReads],
    },
  },
  {
    // Stores own every read and write: Cosmos containers, SQL and etag conflicts (412) appear only in
    // a capability's store (a file named *store*.ts, or queue.ts), src/people/ and src/storage/.
    // Everything else asks a store by intention and gets an outcome back.
    files: ['src/**/*.ts'],
    ignores: [
      'src/**/*store*.ts',
      'src/**/*Store*.ts',
      'src/**/queue.ts',
      'src/people/**',
      'src/storage/**',
      'src/referral/**',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...pagedReads,
        {
          selector: "MemberExpression[property.name='items']",
          message: "Only a capability's store reads and writes its container.",
        },
        {
          selector: 'CallExpression[callee.property.name=/^(item|container)$/]',
          message: "Only a capability's store reads and writes its container.",
        },
        {
          selector: 'MemberExpression[property.name=/^(raw|containers)$/]',
          message: 'Ask the store (or the people directory) by intention instead of reaching for its container.',
        },
        {
          selector: 'Literal[value=/^\\s*SELECT\\b/i], TemplateElement[value.raw=/^\\s*SELECT\\b/i]',
          message: 'Cosmos SQL lives in store files only.',
        },
        {
          selector: 'Literal[value=412]',
          message: 'Etag conflicts (412) are handled in the store, which returns an outcome.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
