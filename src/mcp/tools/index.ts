import type { Tool } from '../tool.ts';
import { createConnectLink } from './createConnectLink.ts';
import { getBalances } from './getBalances.ts';
import { getCardBills } from './getCardBills.ts';
import { listConnections } from './listConnections.ts';
import { refreshConnection } from './refreshConnection.ts';
import { searchTransactions } from './searchTransactions.ts';

/** Every tool, in the order a model sees them. */
export const TOOLS: readonly Tool[] = [
  listConnections,
  getBalances,
  getCardBills,
  searchTransactions,
  createConnectLink,
  refreshConnection,
] as unknown as readonly Tool[];
