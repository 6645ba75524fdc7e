import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverEmail } from '../../activities/deliver-email';
import { buildCartEmailData } from '../../domain/cart-email-data';
import { Cart } from '../../domain/events';
import { sendKey } from '../../domain/ids';
import { pickVariant } from '../../domain/subject-variant';
import sample from '../../templates/cart-reminder/samples/two-items.json';
import { type DeliveryStack, startDeliveryStack } from '../helpers/delivery-stack';
import { activityEnvironment } from '../helpers/test-logger';

// Real Postgres and a real SMTP server: the row a send leaves says which subject line and language it used.
const shopId = 'shop-variants';
let delivery: DeliveryStack;

beforeAll(async () => {
  delivery = await startDeliveryStack();
});
afterAll(() => delivery?.close());

const SUBJECTS: Record<string, string[]> = {
  en: ['Ada, your cart is waiting', 'Ada, still thinking it over? 3 items saved'],
  ru: ['Ada, ваша корзина ждёт', 'Ada, мы сохранили 3 товара'],
};

describe('a send records its subject variant and locale', () => {
  it('picks the line from the send key, records it with the language, and a retry keeps it', async () => {
    const { deps } = delivery;
    const sends = Array.from({ length: 8 }, (_, index) => {
      const cartId = `cart-${randomUUID().slice(0, 8)}`;
      const locale = index % 2 ? 'ru-RU' : 'en';
      const cart = Cart.parse({ ...sample, id: cartId, customer: { ...sample.customer, locale } });
      return {
        key: sendKey({ shopId, cartId, step: 'reminder' }),
        shopId,
        cartId,
        customerId: null,
        step: 'reminder',
        templateId: 'cart-reminder',
        data: buildCartEmailData(cart),
        to: `c-${index}@example.com`,
        kind: 'marketing' as const,
        recipientRole: 'customer' as const,
      };
    });
    for (const send of sends) {
      expect(await activityEnvironment().run(deliverEmail, deps, send)).toBe('sent');
    }
    // The retry of a send that went out: nothing new, the row unchanged.
    expect(await activityEnvironment().run(deliverEmail, deps, sends[0]!)).toBe('already_sent');
    const received = await delivery.smtp.waitFor(sends.length);
    expect(received).toHaveLength(sends.length);

    const rows = await delivery.database.sql<
      Array<{ key: string; subject_variant: number; locale: string; variant: string }>
    >`select key, subject_variant, locale, variant from messages where shop_id = ${shopId}`;
    const byKey = new Map(rows.map((row) => [row.key, row]));
    const variants = new Set<number>();
    for (const send of sends) {
      const variant = pickVariant({ key: send.key, count: 2 });
      const language = send.data.locale.startsWith('ru') ? 'ru' : 'en';
      // The subject line is the send's experiment arm in the analyst views (`subject-1`, `subject-2`).
      expect(byKey.get(send.key)).toEqual({
        key: send.key,
        subject_variant: variant,
        locale: language,
        variant: `subject-${variant + 1}`,
      });
      const email = received.find((message) => message.to && JSON.stringify(message.to).includes(send.to));
      expect(email?.subject).toBe(SUBJECTS[language]![variant]);
      variants.add(variant);
    }
    expect(variants).toEqual(new Set([0, 1]));
  });
});
