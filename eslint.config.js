import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/dashboard/static/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      // Which better-sqlite3 a Node can run is decided in one place; its types may be imported anywhere.
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: ['better-sqlite3', 'better-sqlite3-node22'].map((name) => ({
          name,
          allowTypeImports: true,
          message: 'Use loadSqliteDriver() from src/store/sqlite/load-sqlite-driver.ts: it picks the better-sqlite3 that runs on this Node.',
        })),
      }],
    },
  },
);
