import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'net',
  'os',
  'path',
  'process',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'worker_threads',
  'zlib',
];
const forbidNode = {
  patterns: [
    { group: ['node:*'], message: 'workflows/ and domain/ run in the deterministic workflow sandbox: no Node built-ins.' },
    ...nodeBuiltins.map((name) => ({
      group: [name],
      message: 'workflows/ and domain/ run in the deterministic workflow sandbox: no Node built-ins.',
    })),
  ],
};

/**
 * Arrows point one way: workflows/ → contracts/ + domain/, activities/ → contracts/ + domain/. What both sides share
 * (handlers, search-attribute keys, lock interface, failure types) lives in contracts/; domain/ and contracts/ import
 * neither workflows/ nor activities/, and activities/ never import workflows/ (test/unit/importBoundaries.test.ts).
 */
const noWorkflows = {
  group: ['**/workflows', '**/workflows/**'],
  message: 'activities/, domain/ and contracts/ do not import workflows/: put what both sides share in contracts/.',
};
const noActivities = {
  group: ['**/activities', '**/activities/**'],
  message: 'domain/ and contracts/ do not import activities/: put what both sides share in contracts/.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.stack/', 'coverage/', 'test-artifacts/', '**/*.js', '**/*.mjs', 'bin/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts', 'contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', forbidNode],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'no process in workflow code' },
        { name: 'Buffer', message: 'no Buffer in workflow code' },
      ],
    },
  },
  {
    files: ['domain/**/*.ts', 'contracts/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...forbidNode.patterns, noWorkflows, noActivities] }] },
  },
  {
    files: ['activities/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noWorkflows] }] },
  },
  {
    // Workflows may not import activities' implementations, the AWS SDK or the sandbox.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../activities/*', '!../activities/types'], allowTypeImports: true, message: 'import activity types only' },
            { group: ['@aws-sdk/*', 'mysql2*', '../sandbox/*'], message: 'no I/O libraries in workflows' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
