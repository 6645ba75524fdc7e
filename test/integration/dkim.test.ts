import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDkimSettings } from '../../app/dkim-config';
import { campaignHeaders } from '../../mail/campaign-headers';
import { createSmtpMailer, type DkimSettings } from '../../mail/mailer';
import { listUnsubscribeHeaders, messageRowIdFor } from '../../tracking/message-links';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';

// The real mailer signs, a real SMTP server receives, and mailauth (what receivers run) verifies
// against the DNS record the docs tell operators to publish.
const DOMAIN = 'mail.example.com';
const SELECTOR = 'cartflow2026';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const PUBLIC_KEY = keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const quiet = pino({ level: 'silent' });

let smtp: MailCatcher;
beforeAll(async () => {
  smtp = await startMailCatcher();
});
afterAll(async () => {
  await smtp?.close();
});

/** What `<selector>._domainkey.<domain>` answers once the TXT record of docs/bounces-and-dkim.md is published. */
async function resolver(name: string, type: string): Promise<string[][]> {
  if (type === 'TXT' && name === `${SELECTOR}._domainkey.${DOMAIN}`) return [[`v=DKIM1; k=rsa; p=${PUBLIC_KEY}`]];
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
}

/** Sends a marketing email with RFC 8058 headers, as deliverEmail does, and returns its raw bytes. */
async function sendMarketingEmail(dkim: DkimSettings | undefined): Promise<Buffer> {
  const mailer = createSmtpMailer({ url: smtp.url, from: `Shop <shop@${DOMAIN}>`, dkim });
  const rowId = messageRowIdFor(`cart:shop-dkim:${randomUUID()}:reminder`);
  const headers = listUnsubscribeHeaders(
    {
      secret: 'tracking-secret-for-the-tests-0123456789abcdef',
      baseUrl: 'https://shop.example.com',
      trackOpens: true,
      trackClicks: true,
      linkTtlMs: 86_400_000,
      unsubscribeTtlMs: 60 * 86_400_000,
      unsubscribeMailto: `unsubscribe@${DOMAIN}`,
    },
    rowId,
    new Date(),
  );
  const before = smtp.raw.length;
  try {
    await mailer.send({
      to: 'ada@example.com',
      subject: 'You left something in your cart',
      html: '<p>Your cart is waiting.</p>',
      text: 'Your cart is waiting.',
      messageId: `<${rowId.replace(/-/g, '')}@${DOMAIN}>`,
      headers: {
        ...headers,
        ...campaignHeaders({ shopId: 'shop-dkim', campaignId: 'b2c-cart', step: 'reminder', domain: DOMAIN }),
      },
    });
  } finally {
    mailer.close();
  }
  await smtp.waitFor(before + 1);
  return smtp.raw[before]!;
}

/** The `h=` tag of the message's DKIM-Signature header: the header fields the signature covers. */
function signedHeaderNames(raw: Buffer): string[] {
  const head = raw
    .toString()
    .split('\r\n\r\n')[0]!
    .replace(/\r\n[ \t]+/g, ' ');
  const signature = head.split('\r\n').find((line) => /^DKIM-Signature:/i.test(line));
  const h = /(?:^|[;\s])h=([^;]+)/.exec(signature?.slice('DKIM-Signature:'.length) ?? '')?.[1] ?? '';
  return h
    .split(':')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
}

const signed = { domainName: DOMAIN, keySelector: SELECTOR, privateKey: PRIVATE_KEY };

describe('DKIM signing', () => {
  it('a marketing email verifies (pass) and its signature covers both List-Unsubscribe headers, List-Id and Feedback-ID', async () => {
    const raw = await sendMarketingEmail(signed);
    expect(raw.toString()).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    const { results } = await dkimVerify(raw, { resolver });
    expect(results).toHaveLength(1);
    expect(results[0]!.status.result).toBe('pass');
    expect(results[0]!.signingDomain).toBe(DOMAIN);
    expect(signedHeaderNames(raw)).toEqual(
      expect.arrayContaining([
        'from',
        'to',
        'subject',
        'message-id',
        'list-unsubscribe',
        'list-unsubscribe-post',
        'list-id',
        'feedback-id',
      ]),
    );
  });

  it('changing List-Unsubscribe-Post after signing breaks the signature', async () => {
    const raw = (await sendMarketingEmail(signed))
      .toString()
      .replace(
        'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
        'List-Unsubscribe-Post: List-Unsubscribe=Two-Click',
      );
    const { results } = await dkimVerify(Buffer.from(raw), { resolver });
    expect(results[0]!.status.result).toBe('fail');
  });

  it('without DKIM settings the email leaves unsigned', async () => {
    const raw = await sendMarketingEmail(undefined);
    expect(raw.toString()).not.toMatch(/^DKIM-Signature:/im);
  });
});

describe('DKIM configuration', () => {
  const env = { DKIM_DOMAIN: DOMAIN, DKIM_SELECTOR: SELECTOR };

  it('reads the key from DKIM_PRIVATE_KEY_FILE, or DKIM_PRIVATE_KEY with literal \\n line breaks', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-dkim-'));
    const file = path.join(dir, 'dkim.pem');
    await writeFile(file, PRIVATE_KEY);
    const fromFile = await loadDkimSettings(
      { ...env, DKIM_PRIVATE_KEY_FILE: file },
      { logger: quiet, fromDomain: DOMAIN },
    );
    expect(fromFile).toEqual(signed);
    const oneLine = await loadDkimSettings(
      { ...env, DKIM_PRIVATE_KEY: PRIVATE_KEY.replace(/\n/g, '\\n') },
      { logger: quiet, fromDomain: DOMAIN },
    );
    expect(oneLine?.privateKey).toBe(PRIVATE_KEY);
    const { results } = await dkimVerify(await sendMarketingEmail(oneLine), { resolver });
    expect(results[0]!.status.result).toBe('pass');
  });

  it('a half-configured set names what is missing', async () => {
    await expect(loadDkimSettings({ DKIM_DOMAIN: DOMAIN }, { logger: quiet, fromDomain: DOMAIN })).rejects.toThrow(
      'DKIM is half configured: set DKIM_SELECTOR, DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE too',
    );
    await expect(
      loadDkimSettings(
        { DKIM_SELECTOR: SELECTOR, DKIM_PRIVATE_KEY: PRIVATE_KEY },
        { logger: quiet, fromDomain: DOMAIN },
      ),
    ).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringContaining('set DKIM_DOMAIN too') });
  });

  it('an unreadable key file or a key that is not PEM is a clear ConfigError', async () => {
    await expect(
      loadDkimSettings(
        { ...env, DKIM_PRIVATE_KEY_FILE: '/nonexistent/dkim.pem' },
        { logger: quiet, fromDomain: DOMAIN },
      ),
    ).rejects.toMatchObject({
      name: 'ConfigError',
      message: 'DKIM_PRIVATE_KEY_FILE: cannot read /nonexistent/dkim.pem (ENOENT)',
    });
    await expect(
      loadDkimSettings({ ...env, DKIM_PRIVATE_KEY: 'not a key' }, { logger: quiet, fromDomain: DOMAIN }),
    ).rejects.toThrow(/^DKIM_PRIVATE_KEY is not a usable PEM private key/);
  });

  it('nothing configured: no signing, and a start-up warning says marketing mail leaves unsigned', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
    expect(await loadDkimSettings({}, { logger, fromDomain: DOMAIN })).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining('marketing email leaves unsigned')]);
  });
});
