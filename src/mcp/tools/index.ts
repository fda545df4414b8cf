import type { Tool } from '../tool.ts';
import { createConnectLink } from './createConnectLink.ts';
import { getBalances } from './getBalances.ts';
import { getCardBills } from './getCardBills.ts';
import { listConnections } from './listConnections.ts';
import { refreshConnection } from './refreshConnection.ts';
import { searchTransactions } from './searchTransactions.ts';
import { cashFlow } from './cashFlow.ts';
import { getAlerts } from './getAlerts.ts';
import { recurringCharges } from './recurringCharges.ts';
import { spendingSummary } from './spendingSummary.ts';
import { upcomingBills } from './upcomingBills.ts';

/** Every tool, in the order a model sees them. */
export const TOOLS: readonly Tool[] = [
  listConnections,
  getBalances,
  getCardBills,
  searchTransactions,
  spendingSummary,
  upcomingBills,
  cashFlow,
  recurringCharges,
  getAlerts,
  createConnectLink,
  refreshConnection,
] as unknown as readonly Tool[];
