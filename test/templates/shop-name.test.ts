import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverEmail } from '../../activities/deliver-email';
import type { ShopProfiles } from '../../activities/shop-profile';
import { templatesDir } from '../../app/services';
import { sendKey } from '../../domain/ids';
import { loadSample } from '../../mail/template-samples';
import { loadTemplateSources } from '../../mail/template-source';
import { type DeliveryStack, startDeliveryStack } from '../helpers/delivery-stack';
import { activityEnvironment } from '../helpers/test-logger';

// A second shop of the install writes to its customers under its own name: the welcome email's
// "How {{shop.name}} works" must not name the install's default shop (templates/shop.json).
const OBRIEN = "O'Brien & Sons";
let delivery: DeliveryStack;
let sent = 0;

// The worker's view of the shops table (app/shop-profiles.ts, tested against it in
// test/integration/shop-profiles.test.ts): one added shop with a From name, one without.
const shops: ShopProfiles = {
  forShop: async (shopId) => {
    if (shopId === 'obrien') {
      return { from: `"${OBRIEN}" <hello@obrien.example>`, name: OBRIEN, postalAddress: "3 rue de l'Église, Paris" };
    }
    if (shopId === 'nameless') return { from: 'hello@nameless.example' };
    if (shopId === 'nour') return { from: 'hello@nour.example', name: 'متجر نور', postalAddress: 'الرياض' };
    return 'default';
  },
};

beforeAll(async () => {
  delivery = await startDeliveryStack();
});
afterAll(async () => {
  await delivery?.close();
});

async function welcome(shopId: string, to: string, sample: string) {
  const data = await loadSample(await loadTemplateSources(templatesDir, 'welcome-getting-started'), sample);
  const cartId = `signup-${randomUUID()}`;
  const send = {
    key: sendKey({ shopId, cartId, step: 'welcome' }),
    shopId,
    cartId,
    customerId: null,
    step: 'welcome',
    templateId: 'welcome-getting-started',
    data,
    to,
    kind: 'marketing' as const,
    recipientRole: 'customer' as const,
    // The subject line that names the shop (the first of subject.hbs).
    currency: 'EUR',
    analytics: {
      workflowId: `journey-${cartId}`,
      subjectVariant: 0,
      attributionWindowMs: 86_400_000,
      attributionTouch: 'click' as const,
    },
  };
  expect(await activityEnvironment().run(deliverEmail, { ...delivery.deps, shops }, send)).toBe('sent');
  const received = await delivery.smtp.waitFor(++sent);
  return received.find((message) => JSON.stringify(message.to).includes(to))!;
}

describe("a shop's own name in its emails", () => {
  it("an added shop's welcome names it, in the subject, the HTML (escaped once) and the text, in both languages", async () => {
    const english = await welcome('obrien', 'ada@example.com', 'samples/ada.json');
    expect(english.subject).toBe(`How ${OBRIEN} works: delivery, returns and your account`);
    expect(english.html).toContain('O&#x27;Brien &amp; Sons');
    expect(english.html).not.toContain('Cartflow Shop');
    expect(english.text).toContain(`Visit ${OBRIEN}`);

    const russian = await welcome('obrien', 'zoya@example.com', 'samples/russian.json');
    expect(russian.subject).toBe(`Как устроены покупки в ${OBRIEN}: доставка, возврат, личный кабинет`);
    expect(russian.text).not.toContain('Cartflow Shop');
  });

  it('a right-to-left shop name is isolated, as a customer name is: it keeps its place in an English line', async () => {
    const mail = await welcome('nour', 'nour-customer@example.com', 'samples/ada.json');
    expect(mail.subject).toBe('How \u2068متجر نور\u2069 works: delivery, returns and your account');
  });

  it('the default shop, and an added shop with no From name, keep templates/shop.json’s name', async () => {
    expect((await welcome('default', 'default@example.com', 'samples/ada.json')).subject).toBe(
      'How Cartflow Shop works: delivery, returns and your account',
    );
    expect((await welcome('nameless', 'nameless@example.com', 'samples/ada.json')).subject).toBe(
      'How Cartflow Shop works: delivery, returns and your account',
    );
  });
});
