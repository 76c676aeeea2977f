// ESLint for the monorepo (`npm run lint`; see README "Tests"). TypeScript sources get
// typescript-eslint's type-aware recommended rules, type-checked as one program (tsconfig.eslint.json); plain JavaScript (scripts, bench, examples) gets the untyped ones.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.terraform/**', 'bench/results/**', '**/*.d.ts'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  {
    rules: {
      // Control characters in regexes are deliberate: they strip or refuse them in untrusted text.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // One program for all sources (tsconfig.eslint.json): a program per package re-read every
      // dependency's types and cost minutes.
      parserOptions: { project: ['./tsconfig.eslint.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `_` marks a parameter or binding kept for its position (callbacks, destructuring).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Rethrowing or rejecting with a caught/abort reason (typed any/unknown) is fine; literals are not.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // Rules below are taste, not defects: each would rewrite hundreds of lines that other branches edit.
      // A redundant `x!`/`as T` changes no behaviour (360 places).
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // `any` from JSON/YAML and SDK shapes is checked by valibot schemas where it enters, not per use.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // An async function without await is a promise-returning API by design (hook taps, kind methods).
      '@typescript-eslint/require-await': 'off',
      // Methods are taken off plain definition objects and fixtures that never use `this`.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  // Tests are linted without type information: type-aware linting of the whole tree costs several
  // CPU minutes in CI (the test programs pull in every package's types); sources keep it.
  {
    files: ['**/*.test.ts', 'test/src/**/*.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  // The dependency rules of the package READMEs ("Must not import"), where a rule can say them.
  // Static imports only: a dynamic import() of a forbidden package is left to review.
  {
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['tfwrap', '@tfwrap/stacks', '@tfwrap/terraform', '@tfwrap/aws'].map((name) => ({ name, message: 'core is imported by the other packages, never the reverse (packages/core/README.md)' })),
        patterns: [
          { group: ['@aws-sdk/*', '@smithy/*'], message: 'core knows no cloud: AWS code lives in @tfwrap/aws and the plugins' },
          { group: ['@tfwrap/identity-*', '@tfwrap/plugin-*', '!@tfwrap/plugin-kit'], message: 'core loads plugins, it does not import them' },
        ],
      }],
    },
  },
  {
    files: ['packages/aws/src/**/*.ts', 'plugins/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['tfwrap', '@tfwrap/stacks', '@tfwrap/terraform'].map((name) => ({ name, message: 'plugins and @tfwrap/aws may import only @tfwrap/core, @tfwrap/plugin-kit and @tfwrap/aws (see the package README)' })),
      }],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
