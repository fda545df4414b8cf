/** Where Pluggy delivers to us, and how a delivery proves it is for us. */
export const WEBHOOK_PATH = '/webhooks/pluggy';
/** The old system's receiver path, kept so already-registered webhooks keep landing. */
export const LEGACY_WEBHOOK_PATH = '/api/pluggy-v2/webhook';
/** Custom header set on our Pluggy webhook resources (contract part 03 §1.2, §2.4). */
export const WEBHOOK_SECRET_HEADER = 'x-webhook-secret';
