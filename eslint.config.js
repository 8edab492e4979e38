// Layer rules: pure libs (kernel, contracts, domain) cannot import runtime infrastructure.
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const infrastructure = ['@nestjs/*', 'typeorm', 'typeorm-pglite', 'pg', 'pg-*', 'nats', '@nats-io/*', '@opentelemetry/*', '@electric-sql/*', 'ws', 'express', 'pino'];

module.exports = tseslint.config(
  { ignores: ['**/*.js', 'tmp/', 'node_modules/', 'dist/', '.tollgate/', 'coverage/', 'docs/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:kernel', onlyDependOnLibsWithTags: ['type:kernel'], bannedExternalImports: infrastructure },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:kernel', 'type:contracts'], bannedExternalImports: infrastructure },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:kernel', 'type:contracts', 'type:domain'], bannedExternalImports: infrastructure },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:kernel', 'type:contracts', 'type:domain', 'type:platform'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:kernel', 'type:contracts', 'type:domain', 'type:platform', 'type:service'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/kernel/**/*.ts', 'libs/contracts/**/*.ts', 'libs/domain/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: infrastructure, message: 'pure libs must not import infrastructure' }] }],
    },
  },
  {
    // Tests may use the shared server fixtures from any layer.
    files: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@nx/enforce-module-boundaries': ['error', { allow: ['@tollgate/testing'], depConstraints: [{ sourceTag: '*', onlyDependOnLibsWithTags: ['*'] }] }],
    },
  },
);
