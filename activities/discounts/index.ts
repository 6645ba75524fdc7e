import { ApplicationFailure, log } from '@temporalio/activity';
import type { Db } from '../../db/client';
import {
  CodeCollisionError,
  type DiscountCodeRow,
  activeCodesOfCart,
  insertCode,
  markDisabled,
  setExternalId,
} from '../../db/discount-store';
import { generateDiscountCode } from './code-generator';
import { asTemporalFailure } from '../http/temporal-failure';
import type { ShopDiscountApi } from './shop-api';

export interface Incentive {
  type: 'percent' | 'fixed' | 'free_shipping';
  value: string;
  validForMs: number;
}

export interface IssueDiscountCodeInput {
  /** Business key of the step, e.g. `cart:shop:42:incentive`: one code per key, ever. */
  key: string;
  shopId: string;
  cartId: string;
  customerId: number | null;
  customerEmail: string;
  /** The shop's id of the customer (`cart.customer.id`): a Shopify code is then theirs alone. */
  shopCustomerId?: string;
  currency: string;
  incentive: Incentive;
}

export type IssuedCode = DiscountCodeRow;

export interface DiscountDeps {
  db: Db;
  /** Absent: codes come from cartflow's own generator and live only in Postgres. */
  shopApi?: ShopDiscountApi;
  now?: () => Date;
}

/**
 * Creates the step's single-use code once (row first, then the shop's API with the same
 * idempotency key, so a crash in between is repaired by the retry), and disables a cart's
 * live codes when its chain ends.
 */
export function createDiscountActivities({ db, shopApi, now = () => new Date() }: DiscountDeps) {
  async function issueDiscountCode(input: IssueDiscountCodeInput): Promise<IssuedCode> {
    // Insert first: a first attempt (the usual case) makes one round trip; a retry's insert does
    // nothing and insertCode returns the row its key already holds.
    let row: IssuedCode | undefined;
    for (let attempt = 0; !row; attempt += 1) {
      try {
        row = await insertCode(db, {
          key: input.key,
          shopId: input.shopId,
          cartId: input.cartId,
          customerId: input.customerId,
          code: generateDiscountCode(),
          type: input.incentive.type,
          value: input.incentive.value,
          currency: input.incentive.type === 'fixed' ? input.currency : null,
          expiresAt: new Date(now().getTime() + input.incentive.validForMs),
          source: shopApi ? 'shop_api' : 'builtin',
        });
      } catch (error) {
        if (!(error instanceof CodeCollisionError) || attempt >= 5) throw error;
      }
    }
    if (row.source === 'shop_api' && !row.externalId) {
      if (!shopApi) throw ApplicationFailure.nonRetryable('code was created for the shop API, which is not configured');
      const { externalId } = await asTemporalFailure('ShopApi', () =>
        shopApi.createCode({
          idempotencyKey: row.key,
          code: row.code,
          type: row.type,
          value: input.incentive.value,
          currency: row.currency,
          expiresAt: row.expiresAt.toISOString(),
          customerEmail: input.customerEmail,
          ...(input.shopCustomerId ? { shopCustomerId: input.shopCustomerId } : {}),
        }),
      );
      await setExternalId(db, { key: row.key, externalId });
    }
    log.info('discount code ready', { cartId: input.cartId, key: input.key, source: row.source });
    return row;
  }

  async function disableDiscountCodes(input: { shopId: string; cartId: string }): Promise<number> {
    const codes = await activeCodesOfCart(db, input);
    const builtin = codes.filter((code) => !(code.externalId && shopApi));
    await markDisabled(
      db,
      builtin.map((code) => code.id),
    );
    for (const code of codes) {
      if (!code.externalId || !shopApi) continue;
      const externalId = code.externalId;
      await asTemporalFailure('ShopApi', () => shopApi.disableCode(externalId));
      // Recorded code by code: a retry after the shop failed on a later one does not call it for this one again.
      await markDisabled(db, [code.id]);
    }
    return codes.length;
  }

  return { issueDiscountCode, disableDiscountCodes };
}
