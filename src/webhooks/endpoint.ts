/** Where Pluggy delivers to us, and how a delivery proves it is for us. */
export const WEBHOOK_PATH = '/webhooks/pluggy';
/** The old system's receiver path, kept so already-registered webhooks keep landing. */
export const LEGACY_WEBHOOK_PATH = '/api/pluggy-v2/webhook';
/**
 * Custom header set on our Pluggy webhook resources (docs/pluggy.md#registering-webhooks,
 * #authenticating-deliveries).
 */
export const WEBHOOK_SECRET_HEADER = 'x-webhook-secret';
