import { ApplicationFailure } from '@temporalio/activity';
import type { LocalizedText } from '../domain/localized-text';
import type { DkimSettings } from '../mail/mailer';
import type { ShopDiscountApi } from './discounts/shop-api';

/** How a shop of the `shops` table sends: what it sets replaces the install's default. */
export interface ShopProfile {
  /** The From header; absent: MAIL_FROM. */
  from?: string;
  /** `{{shop.name}}` in its emails (its --from-name); absent: templates/shop.json's name. */
  name?: string;
  replyTo?: string;
  /** Absent: SHOP_POSTAL_ADDRESS, else templates/shop.json. */
  postalAddress?: LocalizedText;
  /** Where its incentive codes are made; absent: cartflow's own codes (never the default shop's API). */
  shopApi?: ShopDiscountApi;
  /** Its own DKIM key (aligned with its From domain); absent: the install's DKIM_* sign its mail. */
  dkim?: DkimSettings;
  /**
   * Its From address's domain (A-labels): the right-hand side of its Message-IDs and the namespace
   * of its List-Id, so its mail names its own domain, not the install's; absent: MAIL_FROM's.
   */
  senderDomain?: string;
}

/** Looks shops up for the activities (app/shop-profiles.ts builds it from the `shops` table). */
export interface ShopProfiles {
  /**
   * `default`: the install's own shop (SHOP_ID, environment variables), and every shop while the
   * `shops` table is empty; `unknown`: not in a table that holds other shops (removed).
   */
  forShop(shopId: string): Promise<ShopProfile | 'default' | 'unknown'>;
}

/**
 * The shop's profile, or undefined for the default shop (whose settings are the activity's own
 * deps). A shop that is gone fails the step for good: nothing goes out under another shop's name.
 */
export async function shopProfileOf(
  profiles: ShopProfiles | undefined,
  shopId: string,
): Promise<ShopProfile | undefined> {
  const profile = await profiles?.forShop(shopId);
  if (profile === undefined || profile === 'default') return undefined;
  if (profile === 'unknown') {
    throw ApplicationFailure.nonRetryable(
      `shop ${shopId} is not in the shops table and is not this worker's SHOP_ID (removed with cartflow shops remove, or a SHOP_ID set on the server but not on the worker?); nothing sent`,
      'UnknownShop',
    );
  }
  return profile;
}
