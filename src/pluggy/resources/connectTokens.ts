import { type RequestSender, secretsOf } from '../http.ts';
import { ConnectTokenSchema } from '../schemas.ts';

export type ConnectTokenOptions = {
  itemId?: string;
  clientUserId?: string;
  webhookUrl?: string;
  oauthRedirectUri?: string;
  avoidDuplicates?: boolean;
};

/** See docs/pluggy.md#connect-tokens. */
export function connectTokensResource(http: RequestSender) {
  return {
    async createConnectToken(opts: ConnectTokenOptions = {}): Promise<{ accessToken: string }> {
      const { itemId, ...rest } = opts;
      const options = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
      // `itemId` is top level (update mode); everything else is nested under `options`.
      const body = {
        ...(itemId !== undefined ? { itemId } : {}),
        ...(Object.keys(options).length ? { options } : {}),
      };
      const { accessToken } = await http.request(
        // POST: not resent after an ambiguous failure (the default); each call issues a token.
        { method: 'POST', path: '/connect_token', body, secrets: secretsOf(opts.webhookUrl) },
        ConnectTokenSchema,
      );
      return { accessToken };
    },
  };
}
