/** What a sync reports as it goes (syncItem's onProgress); the CLI draws it (src/commands/progress.ts). */
export type SyncProgressEvent =
  | { kind: 'item'; itemId: string; status: string; accounts: number }
  | { kind: 'account-start'; itemId: string; accountId: string; name: string; index: number; total: number }
  | {
      kind: 'page';
      itemId: string;
      accountId: string;
      /** Rows fetched so far for this account in this run. */
      rows: number;
      pages: number;
    }
  | { kind: 'account-done'; itemId: string; accountId: string; rows: number; index: number; total: number }
  | { kind: 'product'; itemId: string; product: string; rows: number };
