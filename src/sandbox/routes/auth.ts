/**
 * POST /auth (API key, 2 h JWT) and POST /connect_token (+ legacy /connecttokens; 30 min JWT).
 */
import { sameSecret } from '../auth.ts';
import type { SandboxContext } from '../context.ts';
import { invalid, itemNotFound, PluggyError } from '../errors.ts';
import type { Router } from '../server.ts';
import { isWebhookUrl, requireObjectBody, requireUuid } from './common.ts';

export function authRoutes(router: Router, ctx: SandboxContext): void {
  router.add('POST', '/auth', 'public', ({ body }) => {
    const b = requireObjectBody(body);
    const msgs: string[] = [];
    if (typeof b.clientId !== 'string' || !b.clientId) msgs.push('clientId should not be empty');
    if (typeof b.clientSecret !== 'string' || !b.clientSecret) msgs.push('clientSecret should not be empty');
    if (msgs.length) throw invalid(...msgs);
    if (b.clientId !== ctx.clientId || !sameSecret(String(b.clientSecret), ctx.clientSecret)) {
      throw new PluggyError(401, {
        code: 401,
        codeDescription: 'CLIENT_KEYS_UNAUTHORIZED',
        message: 'Client keys are invalid',
      });
    }
    // (unverified) `nonExpiring: true`: the sandbox still issues a normal 2 h key.
    return { apiKey: ctx.tokens.issueApiKey() };
  });

  const connectToken = ({ body }: { body: unknown }) => {
    const b = requireObjectBody(body);
    const options = b.options === undefined || b.options === null ? {} : requireObjectBody(b.options);
    let itemId: string | null = null;
    if (b.itemId !== undefined && b.itemId !== null) {
      itemId = requireUuid('itemId', typeof b.itemId === 'string' ? b.itemId : String(b.itemId));
      if (!ctx.store.items.has(itemId)) throw itemNotFound();
    }
    const msgs: string[] = [];
    const str = (name: string, v: unknown): string | null => {
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string') {
        msgs.push(`options.${name} must be a string`);
        return null;
      }
      return v;
    };
    const webhookUrl = str('webhookUrl', options.webhookUrl);
    if (webhookUrl !== null && !isWebhookUrl(webhookUrl)) msgs.push('options.webhookUrl must be a valid URL');
    const clientUserId = str('clientUserId', options.clientUserId);
    const oauthRedirectUri = str('oauthRedirectUri', options.oauthRedirectUri);
    if (msgs.length) throw invalid(...msgs);
    const { token } = ctx.tokens.issueConnectToken({
      clientUserId,
      webhookUrl,
      oauthRedirectUri,
      avoidDuplicates: options.avoidDuplicates === true,
      itemId,
    });
    return { accessToken: token };
  };
  router.add('POST', '/connect_token', 'api', connectToken);
  // Legacy alias still used by pluggy-java (docs/pluggy.md#connect-tokens).
  router.add('POST', '/connecttokens', 'api', connectToken);
}
