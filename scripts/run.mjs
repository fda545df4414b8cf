// `npm start` / `npm run cli -- …`: make sure dist/ matches src/, then run the compiled CLI in
// this same process. One process (no tsx, no wrapper child) means the signal npm forwards on
// SIGTERM/SIGINT reaches the code that stops the service and its embedded PostgreSQL.
import { pathToFileURL } from 'node:url';
import { DIST_CLI, ensureBuilt } from './build.mjs';

try {
  ensureBuilt();
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
await import(pathToFileURL(DIST_CLI).href);
