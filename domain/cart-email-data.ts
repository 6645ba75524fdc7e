import type { Cart } from './events';
import { formatMoney, lineTotal } from './money';

/** What the cart templates can use; documented in templates/README.md. */
export interface CartEmailData {
  customer: { name: string; hasName: boolean };
  locale: string;
  items: Array<{
    name: string;
    sku: string;
    quantity: number;
    unitPrice: string;
    lineTotal: string;
    imageUrl: string;
    hasImage: boolean;
    url: string;
  }>;
  itemCount: number;
  total: string;
  recoveryUrl: string;
}

export function buildCartEmailData(cart: Cart): CartEmailData {
  const { currency } = cart;
  const locale = cart.customer.locale;
  const money = (amount: string) => formatMoney({ amount, currency, locale });
  return {
    customer: { name: cart.customer.name ?? '', hasName: Boolean(cart.customer.name) },
    locale,
    items: cart.items.map((item) => ({
      name: item.name,
      sku: item.sku,
      quantity: item.quantity,
      unitPrice: money(item.unitPrice),
      lineTotal: money(lineTotal({ unitPrice: item.unitPrice, quantity: item.quantity })),
      imageUrl: item.imageUrl ?? '',
      hasImage: item.imageUrl !== undefined,
      url: item.url ?? cart.recoveryUrl,
    })),
    itemCount: cart.items.reduce((sum, item) => sum + item.quantity, 0),
    total: money(cart.total),
    recoveryUrl: cart.recoveryUrl,
  };
}
