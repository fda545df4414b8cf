import { describe, expect, it } from 'vitest';
import { webhookTargetUrl } from './register.ts';

describe('webhook target URL', () => {
  it('accepts https and appends the receiver path to a bare origin', () => {
    expect(webhookTargetUrl('https://bridge.example.com', { local: false })).toBe(
      'https://bridge.example.com/webhooks/pluggy',
    );
    expect(webhookTargetUrl('https://bridge.example.com/hooks/in', { local: false })).toBe(
      'https://bridge.example.com/hooks/in',
    );
  });

  it('refuses plain http against Pluggy, allows it for the local sandbox', () => {
    expect(() => webhookTargetUrl('http://bridge.example.com/webhooks/pluggy', { local: false })).toThrow(
      /https/,
    );
    expect(webhookTargetUrl('http://127.0.0.1:3000/webhooks/pluggy', { local: true })).toBe(
      'http://127.0.0.1:3000/webhooks/pluggy',
    );
  });

  it('refuses non-URLs and URLs with credentials without echoing them', () => {
    expect(() => webhookTargetUrl('not a url', { local: true })).toThrow(/absolute URL/);
    let message = '';
    try {
      webhookTargetUrl('https://user:hunter2@example.com/x', { local: false });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/credentials/);
    expect(message).not.toContain('hunter2');
  });
});
