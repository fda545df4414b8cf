// vitest globalSetup: the compiled service (dist/) and the Connect page (web/dist/) built once
// before any test file starts, instead of by whichever files that spawn `node dist/cli.js` start first.
import { ensureBuilt } from './build.mjs';

export default function setup() {
  ensureBuilt();
}
