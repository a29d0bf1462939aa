// Type-aware linting for the service, tests, bench and the page. Layout is Prettier's job, not ESLint's.
//
// Import order is a convention, not a rule (no rule that orders module paths ships without a new
// dependency): node: built-ins, then packages, then relative paths, each group sorted by path.
import { defineConfig } from 'eslint/config';
import { builtinRules } from 'eslint/use-at-your-own-risk';
import tseslint from 'typescript-eslint';

// eslint:recommended without @eslint/js (not a dependency): the core rules ESLint itself marks recommended.
const eslintRecommended = Object.fromEntries(
  [...builtinRules].filter(([, rule]) => rule.meta?.docs?.recommended).map(([name]) => [name, 'error']),
);

export default defineConfig(
  { ignores: ['dist/', 'data/', 'coverage/', 'docs/'] },
  { rules: eslintRecommended },
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked with its nearest tsconfig.json: the root one, or src/ui/tsconfig.json for the page.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Fastify plugins and hooks, and the ports' Promise-returning methods, are async by contract even when they never await.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore, or a rest sibling, is how the code says "left out on purpose".
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Passing on a caught `unknown` unchanged is right; rejecting with a known non-Error value stays an error.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    // Migrations are frozen in time: they see the schema as it was then, through Kysely<any>, never through src/.
    files: ['src/store/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests read JSON answers (light-my-request's `json(): any`) and expect.any() matchers loosely on purpose;
    // expect() checks their shape. The rules stay on for src/ and bench/.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
