import { describe, expect, it } from 'vitest';
import { needsPerson } from './itemHealth.ts';

describe('whether an item waits for the person, from the item as Pluggy reports it now', () => {
  const item = (status: string, executionStatus: string, code?: string) => ({
    status,
    executionStatus,
    error: code ? { code, message: code } : null,
  });

  it('does when only the person can fix it', () => {
    expect(needsPerson(item('LOGIN_ERROR', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS'))).toBe(true);
    expect(needsPerson(item('LOGIN_ERROR', 'USER_AUTHORIZATION_NOT_GRANTED'))).toBe(true);
    expect(needsPerson(item('OUTDATED', 'ERROR', 'ACCOUNT_LOCKED'))).toBe(true);
    expect(needsPerson(item('WAITING_USER_INPUT', 'WAITING_USER_INPUT'))).toBe(true);
    expect(needsPerson(item('WAITING_USER_ACTION', 'WAITING_USER_ACTION'))).toBe(true);
    // A LOGIN_ERROR never syncs again until new credentials (docs/pluggy.md#item-statuses), whatever its
    // code.
    expect(needsPerson(item('LOGIN_ERROR', 'UNEXPECTED_ERROR', 'UNEXPECTED_ERROR'))).toBe(true);
  });

  it('does not while the item is fine, updating, or failing for reasons not the person’s', () => {
    expect(needsPerson(item('UPDATED', 'SUCCESS'))).toBe(false);
    expect(needsPerson(item('UPDATED', 'PARTIAL_SUCCESS'))).toBe(false);
    expect(needsPerson(item('UPDATING', 'LOGIN_IN_PROGRESS'))).toBe(false);
    expect(needsPerson(item('OUTDATED', 'SITE_NOT_AVAILABLE', 'SITE_NOT_AVAILABLE'))).toBe(false);
    expect(needsPerson(item('OUTDATED', 'ALREADY_LOGGED_IN', 'ALREADY_LOGGED_IN'))).toBe(false);
  });
});
