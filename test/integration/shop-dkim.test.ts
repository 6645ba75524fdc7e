import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverEmail } from '../../activities/deliver-email';
import { createShopProfiles } from '../../app/shop-profiles';
import { addShop } from '../../db/shop-store';
import { Cart } from '../../domain/events';
import { cartUpdatedEvent } from '../helpers/cart-events';
import { type DeliveryStack, startDeliveryStack } from '../helpers/delivery-stack';
import { reminderSend } from '../helpers/reminder-send';
import { shopRow } from '../helpers/shop-row';
import { activityEnvironment } from '../helpers/test-logger';

// Two shops, two signing identities, one install: the real mailer signs each shop's email with the
// shop's own key, a real SMTP server receives it, and mailauth (what receivers run) verifies it
// against the TXT record each domain publishes (docs/bounces-and-dkim.md, "A key per shop").
const DEFAULT_SHOP = 'default-shop';
const INSTALL = { domain: 'mail.example.com', selector: 'install2026' };
const SHOP = { domain: 'obrien.example', selector: 'obrien2026' };

function rsaKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}
const installKeys = rsaKeys();
const shopKeys = rsaKeys();

/** DNS as it is once both domains publish their record: each name answers with its own public key. */
async function resolver(name: string, type: string): Promise<string[][]> {
  const records: Record<string, string> = {
    [`${INSTALL.selector}._domainkey.${INSTALL.domain}`]: installKeys.publicKey,
    [`${SHOP.selector}._domainkey.${SHOP.domain}`]: shopKeys.publicKey,
  };
  const key = type === 'TXT' ? records[name] : undefined;
  if (key) return [[`v=DKIM1; k=rsa; p=${key}`]];
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
}

let delivery: DeliveryStack;
beforeAll(async () => {
  delivery = await startDeliveryStack({
    from: `Default Shop <shop@${INSTALL.domain}>`,
    dkim: { domainName: INSTALL.domain, keySelector: INSTALL.selector, privateKey: installKeys.pem },
  });
  await addShop(
    delivery.database.db,
    shopRow({
      id: 'obrien',
      webhookSecret: 'obrien-secret-0123456789abcdef',
      fromName: "O'Brien & Sons",
      fromAddress: `hello@${SHOP.domain}`,
      dkim: { domain: SHOP.domain, selector: SHOP.selector, privateKey: shopKeys.pem },
    }),
  );
  // Marketing email as the worker sends it: RFC 8058 headers, List-Id and Feedback-ID, all signed.
  delivery.deps.links = {
    secret: 'shop-dkim-tracking-secret-0123456789abcdef',
    baseUrl: 'https://cartflow.mail.example.com',
    trackOpens: false,
    trackClicks: false,
    linkTtlMs: 86_400_000,
    unsubscribeTtlMs: 86_400_000,
    unsubscribeMailto: `unsubscribe@${INSTALL.domain}`,
  };
  delivery.deps.shops = createShopProfiles({
    db: delivery.database.db,
    config: { SHOP_ID: DEFAULT_SHOP, SHOP_API_TIMEOUT: 5_000, SHOPIFY_API_TIMEOUT: 10_000 },
    logger: pino({ level: 'silent' }),
  });
}, 60_000);
afterAll(async () => {
  await delivery?.close();
});

/** Sends the shop's cart reminder through deliverEmail and returns the bytes the SMTP server received. */
async function sendFor(shopId: string): Promise<Buffer> {
  const cart = Cart.parse(cartUpdatedEvent({ customer: { email: 'ada@example.com' } }).data);
  const before = delivery.smtp.raw.length;
  const input = reminderSend({ shopId, cart, key: `shop-dkim:${shopId}:${randomUUID()}` });
  expect(await activityEnvironment().run(deliverEmail, delivery.deps, input)).toBe('sent');
  await delivery.smtp.waitFor(before + 1);
  return delivery.smtp.raw[before]!;
}

/** The message's header fields by lower-case name (unfolded). */
function headersOf(raw: Buffer): Record<string, string> {
  const head = raw
    .toString()
    .split('\r\n\r\n')[0]!
    .replace(/\r\n[ \t]+/g, ' ');
  return Object.fromEntries(
    head
      .split('\r\n')
      .map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
}

describe('a DKIM key per shop', () => {
  it("a shop with its own key signs with it: d= and s= are the shop's, it verifies and aligns with its From", async () => {
    const raw = await sendFor('obrien');
    expect(raw.toString()).toMatch(/^From: .*<hello@obrien\.example>\r$/m);
    const { results } = await dkimVerify(raw, { resolver });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ signingDomain: SHOP.domain, selector: SHOP.selector });
    expect(results[0]!.status).toMatchObject({ result: 'pass', aligned: SHOP.domain });
  });

  it("the default shop's email is still signed with the install's key", async () => {
    const raw = await sendFor(DEFAULT_SHOP);
    const { results } = await dkimVerify(raw, { resolver });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ signingDomain: INSTALL.domain, selector: INSTALL.selector });
    expect(results[0]!.status).toMatchObject({ result: 'pass', aligned: INSTALL.domain });
  });

  it("a shop with its own From names its own domain in Message-ID and List-Id, not the install's", async () => {
    // A receiver groups a list by List-Id and reads the Message-ID's domain as the sender's: the
    // shop's mail must not carry the install's (or another shop's) domain in either.
    const shop = headersOf(await sendFor('obrien'));
    expect(shop['message-id']).toMatch(/^<[0-9a-f]{32}@obrien\.example>$/);
    expect(shop['list-id']).toBe('<direct.obrien.obrien.example>');
    const install = headersOf(await sendFor(DEFAULT_SHOP));
    expect(install['message-id']).toMatch(/^<[0-9a-f]{32}@mail\.example\.com>$/);
    expect(install['list-id']).toBe(`<direct.${DEFAULT_SHOP}.mail.example.com>`);
  });
});
