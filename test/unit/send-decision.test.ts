import { describe, expect, it } from 'vitest';
import { Campaign } from '../../domain/campaign';
import { decideSend, type SendFacts } from '../../domain/eligibility';

const HOUR = 3_600_000;
// 14:00 in Berlin: outside the default quiet hours (21:00–08:00).
const now = Date.parse('2026-06-10T12:00:00Z');
const campaign = Campaign.parse({
  id: 'b2c-cart',
  version: 1,
  name: 'Cart',
  priority: 1,
  trigger: 'cart.abandoned',
  audience: 'everyone',
  steps: [{ id: 'reminder', delay: '1h', template: 'cart-reminder' }],
});
const email = { kind: 'email' } as const;
const notifyManager = { kind: 'notify_manager' } as const;
const ok: SendFacts = {
  purchased: false,
  cartEmptied: false,
  newerCart: false,
  unsubscribed: false,
  suppressed: false,
  marketingConsent: true,
  timeZone: 'Europe/Berlin',
  previousMarketingSends: [],
};
const decide = (facts: Partial<SendFacts>, options: { at?: number; step?: typeof email | typeof notifyManager } = {}) =>
  decideSend({ now: options.at ?? now, step: options.step ?? email, policy: campaign, facts: { ...ok, ...facts } });

describe('decideSend: the re-check before every step', () => {
  it('sends when nothing stands in the way', () => {
    expect(decide({})).toEqual({ action: 'send' });
  });

  it('the holdout gets no email, but its exits still end the chain and its manager is still told', () => {
    expect(decide({ holdout: true })).toEqual({ action: 'skip', reason: 'holdout', endChain: false });
    expect(decide({ holdout: true, purchased: true })).toEqual({ action: 'skip', reason: 'purchased', endChain: true });
    expect(decide({ holdout: true }, { step: notifyManager })).toEqual({ action: 'send' });
  });

  it('ends the chain on purchase, an emptied cart or a newer cart, checked in that order', () => {
    expect(decide({ purchased: true, cartEmptied: true })).toEqual({
      action: 'skip',
      reason: 'purchased',
      endChain: true,
    });
    expect(decide({ cartEmptied: true })).toEqual({ action: 'skip', reason: 'empty_cart', endChain: true });
    expect(decide({ newerCart: true })).toEqual({ action: 'skip', reason: 'newer_cart', endChain: true });
  });

  it('ignores an exit condition the campaign turned off', () => {
    const postPurchase = { ...campaign, exit: { ...campaign.exit, purchased: false } };
    const decision = decideSend({ now, step: email, policy: postPurchase, facts: { ...ok, purchased: true } });
    expect(decision).toEqual({ action: 'send' });
  });

  it('never emails a suppressed, unsubscribed or non-consenting recipient', () => {
    expect(decide({ suppressed: true })).toEqual({ action: 'skip', reason: 'suppressed', endChain: true });
    expect(decide({ unsubscribed: true })).toEqual({ action: 'skip', reason: 'unsubscribed', endChain: true });
    expect(decide({ marketingConsent: false })).toEqual({ action: 'skip', reason: 'no_consent', endChain: false });
    // With the unsubscribe exit turned off, the email is still skipped; only later steps may run.
    const keepGoing = { ...campaign, exit: { ...campaign.exit, unsubscribed: false } };
    expect(decideSend({ now, step: email, policy: keepGoing, facts: { ...ok, unsubscribed: true } })).toEqual({
      action: 'skip',
      reason: 'unsubscribed',
      endChain: false,
    });
  });

  it('waits for consent until the grace ends (a consent webhook after the event), then skips', () => {
    const awaitConsentUntil = now + 5 * 60_000;
    expect(decide({ marketingConsent: false, awaitConsentUntil })).toEqual({
      action: 'defer',
      until: awaitConsentUntil,
      reason: 'awaiting_consent',
    });
    expect(decide({ marketingConsent: false, awaitConsentUntil }, { at: awaitConsentUntil })).toEqual({
      action: 'skip',
      reason: 'no_consent',
      endChain: false,
    });
    // Consent in time: no wait. An opt-out never waits.
    expect(decide({ awaitConsentUntil })).toEqual({ action: 'send' });
    expect(decide({ marketingConsent: false, unsubscribed: true, awaitConsentUntil })).toMatchObject({
      reason: 'unsubscribed',
    });
  });

  it('defers past the frequency cap, and skips when the wait would be too long', () => {
    expect(decide({ previousMarketingSends: [now - 10 * HOUR] })).toEqual({
      action: 'defer',
      until: now + 6 * HOUR,
      reason: 'frequency_cap',
    });
    const threeThisWeek = [now - 100 * HOUR, now - 72 * HOUR, now - 24 * HOUR];
    expect(decide({ previousMarketingSends: threeThisWeek })).toEqual({
      action: 'skip',
      reason: 'frequency_cap',
      endChain: false,
    });
  });

  it("defers to the end of the recipient's quiet hours", () => {
    const lateEvening = Date.parse('2026-06-10T20:30:00Z'); // 22:30 in Berlin
    expect(decide({}, { at: lateEvening })).toEqual({
      action: 'defer',
      until: Date.parse('2026-06-11T06:00:00Z'),
      reason: 'quiet_hours',
    });
    expect(decide({ timeZone: 'America/New_York' }, { at: lateEvening })).toEqual({ action: 'send' }); // 16:30
  });

  it('defers a capped email that would come free in quiet hours to the morning', () => {
    // The gap frees at 22:00 UTC = midnight in Berlin: the email waits until 08:00 Berlin.
    const decision = decide({ previousMarketingSends: [now - 6 * HOUR] });
    expect(decision).toEqual({ action: 'defer', until: Date.parse('2026-06-11T06:00:00Z'), reason: 'quiet_hours' });
  });

  it('notifies the sales manager at once, whatever the buyer’s consent, caps or local time', () => {
    const night = Date.parse('2026-06-10T23:00:00Z');
    const facts = { marketingConsent: false, unsubscribed: true, previousMarketingSends: [night - HOUR] };
    expect(decide(facts, { at: night, step: notifyManager })).toEqual({ action: 'send' });
    expect(decide({ purchased: true }, { step: notifyManager })).toMatchObject({ action: 'skip', reason: 'purchased' });
  });
});
