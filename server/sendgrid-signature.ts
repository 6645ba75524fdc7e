import { type KeyObject, createPublicKey, verify } from 'node:crypto';
import { ConfigError } from '../config/env';

/**
 * SendGrid's Signed Event Webhook: an ECDSA (P-256, SHA-256) signature over the timestamp header
 * followed by the raw body, base64 DER in the signature header. The verification key comes from
 * the dashboard as base64 DER (SubjectPublicKeyInfo) without PEM framing; PEM is accepted too.
 */
export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

/** Parses SENDGRID_WEBHOOK_PUBLIC_KEY once at start-up; throws a ConfigError saying what is wrong. */
export function parseSendGridPublicKey(value: string): KeyObject {
  let key: KeyObject;
  try {
    key = value.includes('-----BEGIN')
      ? createPublicKey(value)
      : createPublicKey({ key: Buffer.from(value.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch (error) {
    throw new ConfigError(
      `SENDGRID_WEBHOOK_PUBLIC_KEY is not a public key (${(error as Error).message}); ` +
        'paste the Verification Key from Settings → Mail Settings → Event Webhook',
    );
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigError('SENDGRID_WEBHOOK_PUBLIC_KEY must be an ECDSA P-256 key, as SendGrid generates');
  }
  return key;
}

export type SendGridSignatureCheck = { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature' };

export function verifySendGridSignature(input: {
  key: KeyObject;
  signature: string | undefined;
  timestamp: string | undefined;
  body: Uint8Array;
}): SendGridSignatureCheck {
  if (!input.signature || !input.timestamp) return { ok: false, reason: 'missing_signature' };
  const signed = Buffer.concat([Buffer.from(input.timestamp, 'utf8'), input.body]);
  try {
    const ok = verify('sha256', signed, input.key, Buffer.from(input.signature, 'base64'));
    return ok ? { ok: true } : { ok: false, reason: 'bad_signature' };
  } catch {
    // A signature that is not DER at all is just as wrong as one that does not match.
    return { ok: false, reason: 'bad_signature' };
  }
}
