import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env';
import { campaignHeaders } from '../../mail/campaign-headers';
import { messageIdOfReturnPath, returnPathFor } from '../../tracking/return-path';

describe('VERP Return-Path', () => {
  const secret = 'tracking-secret-for-the-tests-0123456789abcdef';
  const bounceAddress = 'bounce@bounces.example.com';
  const messageId = '0f8fad5b-d9cb-869f-a165-70867728950e';

  it('names its message, fits 64 characters before the @, and survives a change of case', () => {
    const address = returnPathFor({ secret, bounceAddress, messageId });
    expect(address).toMatch(/^bounce\+0f8fad5bd9cb869fa16570867728950e-[0-9a-f]{20}@bounces\.example\.com$/);
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(messageIdOfReturnPath({ secrets: secret, bounceAddress, address })).toBe(messageId);
    expect(messageIdOfReturnPath({ secrets: secret, bounceAddress, address: address.toUpperCase() })).toBe(messageId);
  });

  it('a tag signed with another secret, another id or another domain names nothing', () => {
    const address = returnPathFor({ secret, bounceAddress, messageId });
    const other = returnPathFor({ secret: `${secret}-old`, bounceAddress, messageId });
    expect(messageIdOfReturnPath({ secrets: secret, bounceAddress, address: other })).toBeUndefined();
    expect(messageIdOfReturnPath({ secrets: [secret, `${secret}-old`], bounceAddress, address: other })).toBe(
      messageId,
    );
    const swapped = address.replace('0f8fad5b', '1f8fad5b');
    expect(messageIdOfReturnPath({ secrets: secret, bounceAddress, address: swapped })).toBeUndefined();
    const elsewhere = address.replace('bounces.example.com', 'example.com');
    expect(messageIdOfReturnPath({ secrets: secret, bounceAddress, address: elsewhere })).toBeUndefined();
    expect(messageIdOfReturnPath({ secrets: secret, bounceAddress, address: bounceAddress })).toBeUndefined();
  });

  it('BOUNCE_ADDRESS must leave room for the tag and bring no + of its own', () => {
    expect(loadConfig({ BOUNCE_ADDRESS: bounceAddress }).BOUNCE_ADDRESS).toBe(bounceAddress);
    expect(() => loadConfig({ BOUNCE_ADDRESS: 'bounces-of-cartflow@example.com' })).toThrow(
      /BOUNCE_ADDRESS: the part before @ must be at most 10 characters/,
    );
    expect(() => loadConfig({ BOUNCE_ADDRESS: 'b+x@example.com' })).toThrow(/BOUNCE_ADDRESS: must not contain "\+"/);
    expect(() => loadConfig({ INBOUND_SMTP_PORT: 'smtp' })).toThrow(/INBOUND_SMTP_PORT/);
  });
});

describe('campaign headers', () => {
  it('List-Id per campaign and shop, Feedback-ID step:campaign:shop:cartflow', () => {
    expect(
      campaignHeaders({ shopId: 'acme', campaignId: 'b2c-cart', step: 'incentive', domain: 'mail.acme.com' }),
    ).toEqual({ 'List-Id': '<b2c-cart.acme.mail.acme.com>', 'Feedback-ID': 'incentive:b2c-cart:acme:cartflow' });
  });
});
