import { PluggyError } from '../errors.ts';
import type { RequestSender } from '../http.ts';
import { ConnectorSchema, pageOf, type Connector } from '../schemas.ts';

export type ConnectorFilters = {
  countries?: string[];
  types?: string[];
  name?: string;
  sandbox?: boolean;
  isOpenFinance?: boolean;
  supportsPaymentInitiation?: boolean;
};

/** See docs/pluggy.md#connectors. */
export function connectorsResource(http: RequestSender) {
  return {
    async getConnectors(filters: ConnectorFilters = {}): Promise<Connector[]> {
      // Everything comes in one page; no paging parameters are documented for /connectors.
      const page = await http.request(
        { method: 'GET', path: '/connectors', query: { ...filters } },
        pageOf(ConnectorSchema),
      );
      return page.results;
    },

    async getConnector(id: number): Promise<Connector> {
      // Connector ids are positive integers, not UUIDs (docs/pluggy.md).
      if (!Number.isSafeInteger(id) || id <= 0) {
        throw new PluggyError({
          code: 'invalid-request',
          message: 'connector id must be a positive integer',
          method: 'GET',
          path: '/connectors/{id}',
        });
      }
      return http.request({ method: 'GET', path: `/connectors/${encodeURIComponent(id)}` }, ConnectorSchema);
    },
  };
}
