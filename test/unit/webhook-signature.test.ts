import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from '../../signing/webhook-signature';

const secret = 'shared-secret-0123456789';
const body = Buffer.from('{"id":"evt-1"}');
const now = 1_800_000_000_000;
const t = now / 1000;

describe('webhook signatures', () => {
  it('accepts a signature made over "<t>.<body>" with the shared secret', () => {
    const header = signatureHeader({ secret, body, timestampSeconds: t });
    expect(verifySignature({ header, body, secret, toleranceMs: 300_000, nowMs: now })).toEqual({ ok: true });
  });

  it('matches what openssl computes, as in the README example', () => {
    // printf '1800000000.{"id":"evt-1"}' | openssl dgst -sha256 -hmac shared-secret-0123456789
    const header = signatureHeader({ secret, body, timestampSeconds: t });
    expect(header).toBe('t=1800000000,v1=d95d2690b5f47d0f57a38068eb558cc07df00039384241ac31f30e1bb5434082');
  });

  it('refuses a changed body, another secret, a missing or malformed header', () => {
    const header = signatureHeader({ secret, body, timestampSeconds: t });
    const check = (h: string | undefined, b = body, s = secret) =>
      verifySignature({ header: h, body: b, secret: s, toleranceMs: 300_000, nowMs: now });
    expect(check(header, Buffer.from('{"id":"evt-2"}'))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(check(header, body, 'another-secret-0123456789')).toEqual({ ok: false, reason: 'bad_signature' });
    expect(check(undefined)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(check('sha256=abc')).toEqual({ ok: false, reason: 'malformed_signature' });
    expect(check(`t=${t},v1=zz`)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses replays older (or newer) than the tolerance', () => {
    const old = signatureHeader({ secret, body, timestampSeconds: t - 301 });
    const future = signatureHeader({ secret, body, timestampSeconds: t + 301 });
    const check = (header: string) => verifySignature({ header, body, secret, toleranceMs: 300_000, nowMs: now });
    expect(check(old)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(check(future)).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('accepts any of several v1 signatures, so secrets can be rolled', () => {
    const current = signatureHeader({ secret, body, timestampSeconds: t });
    const old = signatureHeader({ secret: 'old-secret-0123456789abc', body, timestampSeconds: t }).split(',')[1];
    const header = `${old},${current}`.replace(/^v1/, 't=' + t + ',v1');
    expect(verifySignature({ header, body, secret, toleranceMs: 300_000, nowMs: now })).toEqual({ ok: true });
  });
});
