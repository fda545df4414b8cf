/**
 * Open Finance consent sessions: the page an Open Finance item's `parameter.data` points at while it
 * waits for the user (WAITING_USER_INPUT, parameter type `oauth`). The user logs in at "MockBank"
 * (the sandbox's stand-in for the institution, as in Pluggy's own sandbox) and approves or denies;
 * the waiting execution gets the decision. One open session per item; a session id is a random,
 * unguessable token (it is the only thing the consent URL carries).
 */
import { randomUUID } from 'node:crypto';

export type ConsentDecision = 'approved' | 'denied';

export type ConsentSession = {
  id: string;
  itemId: string;
  connectorName: string;
  /** Where the browser goes after the decision (item / connect-token `oauthRedirectUri`); null: a "close this window" page. */
  redirectUri: string | null;
  /** Multiple-approval ("múltipla alçada") CPFs: the page says other approvers decide too. */
  multipleApproval: boolean;
  expiresAt: number;
  state: 'open' | ConsentDecision | 'closed';
  decide: (decision: ConsentDecision) => void;
};

/** Pluggy's sandbox MockBank login (docs/pluggy.md#open-finance-sandbox). */
export const MOCKBANK_USER = 'ralph.bragg@gmail.com';
export const MOCKBANK_PASSWORD = 'P@ssword01';

export class ConsentSessions {
  private readonly byId = new Map<string, ConsentSession>();

  open(s: Omit<ConsentSession, 'id' | 'state'>): ConsentSession {
    for (const old of this.byId.values()) if (old.itemId === s.itemId) this.close(old.id);
    const session: ConsentSession = { ...s, id: randomUUID(), state: 'open' };
    this.byId.set(session.id, session);
    return session;
  }

  get(id: string): ConsentSession | undefined {
    return this.byId.get(id);
  }

  /** The execution stopped waiting (decided, timed out, cancelled): the page says so from now on. */
  close(id: string): void {
    const s = this.byId.get(id);
    if (s && s.state === 'open') s.state = 'closed';
    // Keep a bounded history so a late reload of the page still explains itself.
    if (this.byId.size > 1000) {
      for (const [key, v] of this.byId) {
        if (v.state !== 'open') this.byId.delete(key);
        if (this.byId.size <= 500) break;
      }
    }
  }

  /** The decision from the page; false when the session is not open any more. */
  decide(id: string, decision: ConsentDecision): boolean {
    const s = this.byId.get(id);
    if (s?.state !== 'open') return false;
    s.state = decision;
    s.decide(decision);
    return true;
  }
}
