import { describe, expect, it } from 'vitest';
import { withDefaultLocale } from '../../domain/shop';

describe("a shop's default language", () => {
  const body = (customer: Record<string, unknown>) => ({
    id: 'e1',
    type: 'cart.updated',
    data: { id: 'c1', customer },
  });

  it('fills in the customer language only where the webhook gives none', () => {
    expect(withDefaultLocale(body({ email: 'a@example.com' }), 'ru')).toEqual(
      body({ email: 'a@example.com', locale: 'ru' }),
    );
    expect(withDefaultLocale(body({ email: 'a@example.com', locale: null }), 'ru')).toEqual(
      body({ email: 'a@example.com', locale: 'ru' }),
    );
    expect(withDefaultLocale(body({ email: 'a@example.com', locale: 'de' }), 'ru')).toEqual(
      body({ email: 'a@example.com', locale: 'de' }),
    );
  });

  it('leaves a body without a customer, or a shop without a default, as it is', () => {
    const order = { id: 'e2', type: 'order.placed', data: { cartId: 'c1' } };
    expect(withDefaultLocale(order, 'ru')).toBe(order);
    expect(withDefaultLocale('not json', 'ru')).toBe('not json');
    const cart = body({ email: 'a@example.com' });
    expect(withDefaultLocale(cart, undefined)).toBe(cart);
  });
});
