import { describe, expect, it } from 'vitest';
import { smtpRejectionType } from '../../app/bounces';

// Real-world 5xx answers: what each says about the recipient decides hard or soft bounce.
describe('smtpRejectionType', () => {
  it.each([
    ['550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking', 'hard_bounce'],
    ['550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup', 'hard_bounce'],
    ['552 5.2.2 The email account that you tried to reach is over quota', 'hard_bounce'],
    ['550 Requested action not taken: mailbox unavailable', 'hard_bounce'],
    [undefined, 'hard_bounce'],
    [
      '550 5.7.515 Access denied, sending domain example.com does not meet the required authentication level',
      'soft_bounce',
    ],
    ['554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using Spamhaus', 'soft_bounce'],
    ['552 5.3.4 Message size exceeds fixed maximum message size', 'soft_bounce'],
    ['554 5.6.0 Message content rejected', 'soft_bounce'],
  ] as const)('%s → %s', (response, expected) => {
    expect(smtpRejectionType(response)).toBe(expected);
  });
});
