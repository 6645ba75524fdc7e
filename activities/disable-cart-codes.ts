import { log } from '@temporalio/activity';
import { createDiscountActivities, type DiscountDeps } from './discounts';
import type { ShopProfiles } from './shop-profile';

export interface DisableCartCodesInput {
  shopId: string;
  cartId: string;
}

export type DisableCartCodesDeps = DiscountDeps & { shops?: ShopProfiles };

/**
 * Disables a cart's live codes, at the shop's discount source too: the shop of the cart, not the
 * worker's default. A chain that ends early runs it, and so does an order that finds no chain
 * running (workflows/disable-cart-codes.ts). Returns how many codes it disabled.
 */
export function createDisableCartCodes(deps: DisableCartCodesDeps) {
  const defaultDiscounts = createDiscountActivities(deps);
  return async function disableCartCodes(input: DisableCartCodesInput): Promise<number> {
    // Another shop's codes are withdrawn through its own discount source; a removed shop's only in cartflow.
    const shop = await deps.shops?.forShop(input.shopId);
    const discounts =
      shop === undefined || shop === 'default'
        ? defaultDiscounts
        : createDiscountActivities({ ...deps, shopApi: shop === 'unknown' ? undefined : shop.shopApi });
    const disabled = await discounts.disableDiscountCodes(input);
    if (disabled > 0) log.info('cart codes disabled', { cartId: input.cartId, codesDisabled: disabled });
    return disabled;
  };
}
