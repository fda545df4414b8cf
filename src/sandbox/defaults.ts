/**
 * The sandbox's own defaults. It stands for Pluggy, so it knows nothing of the service's config:
 * a caller that wants other credentials passes them to startSandbox.
 */

/** The client pair a sandbox accepts unless told otherwise. Never valid against Pluggy itself. */
export const DEFAULT_CLIENT_ID = '00000000-0000-4000-8000-00000000c11e';
export const DEFAULT_CLIENT_SECRET = 'sandbox-secret';

export const DEFAULT_SEED = 42;
/** Pluggy: API keys live 2 h. */
export const DEFAULT_API_KEY_TTL_SECONDS = 7200;
export const DEFAULT_STEP_DELAY_MS = 300;
export const DEFAULT_V2_PAGE_SIZE = 500;
