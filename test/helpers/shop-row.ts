import type { NewShop } from '../../db/shop-store';

/** A generic shop with the install's defaults for everything the test does not set. */
export function shopRow(overrides: Partial<NewShop> & Pick<NewShop, 'id' | 'webhookSecret'>): NewShop {
  return {
    platform: 'generic',
    shopifyDomain: null,
    fromName: null,
    fromAddress: null,
    replyTo: null,
    postalAddress: null,
    defaultLocale: null,
    currencies: null,
    discountSource: { kind: 'builtin' },
    campaignsDir: null,
    ...overrides,
  };
}
