import path from 'node:path';
import { repoRoot } from './temp-site.js';

/** npm's Node.js build of better-sqlite3-multiple-ciphers: what tests hand `useNativeBinding` by path. */
export const NODE_SQLITE_BUILD = path.join(
  repoRoot,
  'node_modules',
  'better-sqlite3-multiple-ciphers',
  'build',
  'Release',
  'better_sqlite3.node',
);
