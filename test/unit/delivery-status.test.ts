import { describe, expect, it } from 'vitest';
import { bounceOf, isAutoReply, parseDeliveryStatus } from '../../domain/delivery-status';

// RFC 3464 appendix A, "Simple DSN" and "Multi-Recipient DSN" (recipients shortened), as sent.
const SIMPLE = `Reporting-MTA: dns; cs.utk.edu

Original-Recipient: rfc822;louisl@larry.slip.umd.edu
Final-Recipient: rfc822;louisl@larry.slip.umd.edu
Action: failed
Status: 4.0.0
Diagnostic-Code: smtp; 426 connection timed out
Last-Attempt-Date: Thu, 7 Jul 1994 17:15:49 -0400
`;
const MULTI = `Reporting-MTA: dns; cs.utk.edu

Final-Recipient: rfc822;arathib@vnet.ibm.com
Action: delayed
Status: 4.0.0
Diagnostic-Code: smtp;
      426 connection timed out

Final-Recipient: rfc822;wsnell@sdcc13.ucsd.edu
Action: failed
Status: 5.1.1 (user unknown)
Diagnostic-Code: smtp; 550 <wsnell@sdcc13.ucsd.edu>... User unknown
`;

describe('delivery status (RFC 3464)', () => {
  it('reads per-recipient blocks, folded lines and a status with a comment', () => {
    expect(parseDeliveryStatus(MULTI.replace(/\n/g, '\r\n'))).toEqual([
      {
        finalRecipient: 'rfc822;arathib@vnet.ibm.com',
        action: 'delayed',
        status: '4.0.0',
        diagnosticCode: 'smtp; 426 connection timed out',
      },
      {
        finalRecipient: 'rfc822;wsnell@sdcc13.ucsd.edu',
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: 'smtp; 550 <wsnell@sdcc13.ucsd.edu>... User unknown',
      },
    ]);
  });

  it('failed 5.1.x/5.2.x is hard, other 5.x.x and failed 4.x.x soft; delayed or delivered is no bounce', () => {
    expect(bounceOf(parseDeliveryStatus(MULTI))).toEqual({
      type: 'hard_bounce',
      status: '5.1.1',
      detail: 'Status 5.1.1: smtp; 550 <address>... User unknown',
    });
    expect(bounceOf(parseDeliveryStatus(SIMPLE))?.type).toBe('soft_bounce');
    expect(bounceOf([{ action: 'failed', status: '5.2.2' }])?.type).toBe('hard_bounce');
    expect(bounceOf([{ action: 'failed', status: '5.7.1' }])?.type).toBe('soft_bounce');
    expect(bounceOf([{ action: 'delayed', status: '4.2.2' }])).toBeUndefined();
    expect(bounceOf([{ action: 'delivered', status: '2.0.0' }])).toBeUndefined();
    expect(bounceOf([])).toBeUndefined();
  });

  it('recognises auto-replies by RFC 3834 and the older headers', () => {
    const headers = (values: Record<string, string>) => (name: string) => values[name];
    expect(isAutoReply(headers({ 'auto-submitted': 'auto-replied' }))).toBe(true);
    expect(isAutoReply(headers({ 'auto-submitted': 'auto-generated' }))).toBe(true);
    expect(isAutoReply(headers({ 'auto-submitted': 'no' }))).toBe(false);
    expect(isAutoReply(headers({ 'x-autoreply': 'yes' }))).toBe(true);
    expect(isAutoReply(headers({ precedence: 'auto_reply' }))).toBe(true);
    expect(isAutoReply(headers({ precedence: 'bulk' }))).toBe(false);
    expect(isAutoReply(headers({}))).toBe(false);
  });
});
