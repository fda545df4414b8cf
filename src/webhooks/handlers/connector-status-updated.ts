import { z } from 'zod';
import { recordConnectorStatus } from '../../db/queries/connectorStatuses.ts';
import { UnprocessableWebhookEvent, type WebhookHandler } from '../types.ts';

// The connector id travels in the deprecated `id` (a string such as "201"); Pluggy's quickstart
// types also show `connectorId` (docs/pluggy.md#connector-status-events, unverified), so either is accepted.
const Payload = z.looseObject({
  id: z.union([z.string(), z.number()]).optional(),
  connectorId: z.union([z.string(), z.number()]).optional(),
  data: z.looseObject({ status: z.string().min(1) }),
});

/** `connector/status_updated`: a bank's connector went ONLINE, UNSTABLE or OFFLINE. */
export const handleConnectorStatusUpdated: WebhookHandler = async ({ event, commit }) => {
  const parsed = Payload.safeParse(event.payload);
  const connectorId = Number(parsed.data?.connectorId ?? parsed.data?.id);
  if (!parsed.success || !Number.isSafeInteger(connectorId)) {
    throw new UnprocessableWebhookEvent(
      `connector/status_updated event ${event.eventId} lacks a numeric connector id or data.status`,
    );
  }
  const status = parsed.data.data.status;
  await commit(async (client) => {
    await recordConnectorStatus(client, {
      connectorId,
      status,
      eventId: event.eventId,
      changedAt: event.receivedAt,
    });
  });
};
