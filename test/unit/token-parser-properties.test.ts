import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type TokenCheck, type TokenClaims, type TokenPurpose, verifyToken } from '../../tracking/tokens';
import { type SignAnyForm, tokenForms } from '../helpers/token-forms';

// Whatever arrives in a link's path, the token parser answers with a typed refusal and never
// throws; only a token signed with the secret, for this purpose and not yet expired, is accepted.
const SECRET = 'token-properties-secret-0123456789abcdef';
const OTHER_SECRET = 'another-shops-secret-0123456789abcdef!!';
const NOW = new Date('2026-06-01T12:00:00Z');
const REFUSALS = ['malformed', 'bad_signature', 'wrong_purpose', 'expired'];
const RUNS = { numRuns: 300 };

const purposes = fc.constantFrom<TokenPurpose>('open', 'click', 'unsubscribe');
const future = fc.date({ min: new Date('2026-06-02'), max: new Date('2106-01-01'), noInvalidDate: true });
const claims = fc.record({ purpose: purposes, messageId: fc.uuid(), linkIndex: fc.nat(0xffff), expiresAt: future });
const forms = tokenForms();
/** What a link's path can carry after decoding: any text, lone surrogates, huge runs of token characters. */
const junk = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), minLength: 55, maxLength: 70 }),
  fc.string({ unit: fc.constantFrom(...'eyJ.-_ABC0123'), maxLength: 600 }),
  fc.nat(2_000_000).map((length) => 'A'.repeat(length)),
  fc.constantFrom('%E0%A4%A', '%C0%AF', '\uD800', '\u0000', '../../etc/passwd', 'e'.repeat(512) + '.' + 'A'.repeat(22)),
);

const signed = (sign: SignAnyForm, c: TokenClaims) =>
  sign(SECRET, { ...c, linkIndex: c.purpose === 'click' ? c.linkIndex : undefined });

function checkSafely(token: string, purpose: TokenPurpose): TokenCheck {
  // A throw here is the failure the properties look for: catch nothing.
  return verifyToken(SECRET, token, purpose, NOW);
}

function expectRefused(check: TokenCheck, reasons = REFUSALS) {
  expect(check.ok).toBe(false);
  if (!check.ok) expect(reasons).toContain(check.reason);
}

describe('token parser properties', () => {
  it('refuses random text, huge strings and invalid encodings without throwing', () => {
    fc.assert(
      fc.property(junk, purposes, (token, purpose) => expectRefused(checkSafely(token, purpose))),
      RUNS,
    );
  });

  it('round-trips any message id, link index and purpose, in both forms', () => {
    fc.assert(
      fc.property(forms, claims, (form, c) => {
        const check = checkSafely(signed(form, c), c.purpose);
        expect(check).toEqual({
          ok: true,
          claims: {
            purpose: c.purpose,
            messageId: c.messageId.toLowerCase(),
            ...(c.purpose === 'click' ? { linkIndex: c.linkIndex } : {}),
            expiresAt: new Date(Math.floor(c.expiresAt.getTime() / 1000) * 1000),
          },
        });
      }),
      RUNS,
    );
  });

  it('refuses a token with one character changed, or cut short, or lengthened', () => {
    const edits = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), by: fc.string({ minLength: 1, maxLength: 1 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('append' as const), by: fc.string({ minLength: 1, maxLength: 4 }) }),
    );
    fc.assert(
      fc.property(forms, claims, edits, (form, c, edit) => {
        const token = signed(form, c);
        let changed: string;
        if (edit.kind === 'flip') {
          const at = edit.at % token.length;
          fc.pre(token[at] !== edit.by);
          changed = token.slice(0, at) + edit.by + token.slice(at + 1);
        } else if (edit.kind === 'cut') changed = token.slice(0, edit.at % token.length);
        else changed = token + edit.by;
        expectRefused(checkSafely(changed, c.purpose), ['malformed', 'bad_signature']);
      }),
      RUNS,
    );
  });

  it("refuses another shop's secret, another purpose and an expired token, naming each", () => {
    fc.assert(
      fc.property(forms, claims, purposes, (form, c, other) => {
        const link = { ...c, linkIndex: c.purpose === 'click' ? c.linkIndex : undefined };
        expectRefused(checkSafely(form(OTHER_SECRET, link), c.purpose), ['bad_signature']);
        if (other !== c.purpose) expectRefused(checkSafely(signed(form, c), other), ['wrong_purpose']);
        const expired = form(SECRET, { ...link, expiresAt: new Date(NOW.getTime() - 1000) });
        const check = checkSafely(expired, c.purpose);
        expectRefused(check, ['expired']);
        // An authentic expired link still says which message it was (the page answers in its language).
        expect(!check.ok && check.claims?.messageId).toBe(c.messageId.toLowerCase());
      }),
      RUNS,
    );
  });

  it('refuses first-form tokens whose JSON was changed, even when re-signed with the secret', () => {
    const payloads = fc.oneof(
      fc.json(),
      fc.record({ p: fc.constantFrom('o', 'c', 'u', 'x'), m: fc.string(), x: fc.integer() }),
      fc.record({
        p: fc.constant('u'),
        m: fc.uuid(),
        x: fc.oneof(fc.constant(1e300), fc.integer({ min: 2 ** 32, max: Number.MAX_SAFE_INTEGER })),
      }),
      fc.record({ p: fc.constant('c'), m: fc.uuid(), x: fc.constant(4_000_000_000) }),
      fc.record({ p: fc.constant('o'), m: fc.uuid(), i: fc.nat(), x: fc.constant(4_000_000_000) }),
    );
    fc.assert(
      fc.property(payloads, (payload) => {
        const json = typeof payload === 'string' ? payload : JSON.stringify(payload);
        const encoded = Buffer.from(json).toString('base64url').slice(0, 512);
        const mac = createHmac('sha256', SECRET).update(encoded).digest().subarray(0, 16).toString('base64url');
        for (const purpose of ['open', 'click', 'unsubscribe'] as const) {
          const check = checkSafely(`${encoded}.${mac}`, purpose);
          // Signed but not a payload the first form could carry: never accepted, never "valid forever".
          expect(check.ok).toBe(false);
          if (check.ok === false && check.claims) expect(Number.isFinite(check.claims.expiresAt.getTime())).toBe(true);
        }
      }),
      RUNS,
    );
  });
});
