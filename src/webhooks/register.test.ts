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

  it("holds a live URL to the rest of Pluggy's rules: port 443, a public DNS name (docs/pluggy.md#registering-webhooks)", () => {
    expect(webhookTargetUrl('https://bridge.example.com:443/webhooks/pluggy', { local: false })).toBe(
      'https://bridge.example.com/webhooks/pluggy',
    );
    expect(() =>
      webhookTargetUrl('https://bridge.example.com:8443/webhooks/pluggy', { local: false }),
    ).toThrow(/port 443/);
    for (const ip of ['https://203.0.113.7/x', 'https://[2001:db8::1]/x', 'https://2130706433/x']) {
      expect(() => webhookTargetUrl(ip, { local: false })).toThrow(/IP address/);
    }
    for (const internal of [
      'https://localhost/x',
      'https://localhost./x',
      'https://api.localhost/x',
      'https://bridge/x',
    ]) {
      expect(() => webhookTargetUrl(internal, { local: false })).toThrow(/public DNS name/);
    }
  });

  it('lifts those rules for the local sandbox, which delivers to loopback', () => {
    expect(webhookTargetUrl('https://localhost:8443/webhooks/pluggy', { local: true })).toBe(
      'https://localhost:8443/webhooks/pluggy',
    );
    expect(webhookTargetUrl('http://[::1]:3000', { local: true })).toBe('http://[::1]:3000/webhooks/pluggy');
  });
});
