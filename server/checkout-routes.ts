import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../db/client';
import { type CheckoutCodeRow, findBuiltinCode, redeemBuiltinCode } from '../db/discount-store';
import { MAX_CODE_LENGTH, checkoutStatus, normalizeCode, offerOf } from '../domain/discount-code';
import { requireBearerToken } from './bearer-auth';
import { describeIssues, payloadIssues } from './invalid-payload';
import { shopOfRequest } from './request-shop';
import type { ShopResolver } from './shop-resolver';

export interface CheckoutRoutesDeps {
  db: Db;
  config: { shopId: string; checkoutApiToken?: string };
  logger: Logger;
  /** Several shops: the `Cartflow-Shop` header names the code's shop; absent, the default shop (SHOP_ID). */
  shops: ShopResolver;
}

const MAX_BODY_BYTES = 4 * 1024;

const RedeemBody = z.object(
  {
    orderId: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
      .trim()
      .min(1, 'must not be empty')
      .max(128, 'must be at most 128 characters'),
  },
  { error: 'body must be a JSON object like {"orderId": "..."}' },
);

/** The code in the path, as stored: trimmed, upper case, and only what a code can contain. */
function codeParameter(raw: string): { ok: true; code: string } | { ok: false; message: string } {
  const code = normalizeCode(raw);
  if (code.length === 0 || code.length > MAX_CODE_LENGTH) {
    return { ok: false, message: `code (path): must be 1 to ${MAX_CODE_LENGTH} characters` };
  }
  if (!/^[A-Z0-9_-]+$/.test(code)) return { ok: false, message: 'code (path): letters, digits, _ and - only' };
  return { ok: true, code };
}

function describe(row: CheckoutCodeRow) {
  return {
    code: row.code,
    status: checkoutStatus(row),
    ...offerOf(row),
    expiresAt: row.expiresAt.toISOString(),
  };
}

const unknownCode = (c: Context, code: string) =>
  c.json({ code, status: 'unknown' as const, message: 'no such discount code in this shop' }, 404);

/**
 * For a custom checkout: `GET /checkout/discounts/:code` says whether a built-in code applies and
 * what it gives; `POST /checkout/discounts/:code/redeem` spends it for one order, exactly once.
 */
export function checkoutRoutes({ db, config, logger, shops }: CheckoutRoutesDeps) {
  const routes = new Hono();
  routes.use(
    '*',
    requireBearerToken({
      token: config.checkoutApiToken,
      feature: 'the checkout discount API',
      variable: 'CHECKOUT_API_TOKEN',
    }),
  );
  // A code's state changes when it is redeemed: no cache may answer for it.
  routes.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });

  /** The shop whose codes the request means, or the 4xx naming a bad or unknown Cartflow-Shop. */
  async function shopOf(c: Context): Promise<{ ok: true; shopId: string } | { ok: false; response: Response }> {
    const requested = await shopOfRequest(c, { shops, unknownStatus: 404 });
    return requested.ok ? { ok: true, shopId: requested.shop.shopId } : requested;
  }

  routes.get('/discounts/:code', async (c) => {
    const parameter = codeParameter(c.req.param('code'));
    if (!parameter.ok) return c.json({ error: 'invalid_code', message: parameter.message }, 400);
    const shop = await shopOf(c);
    if (!shop.ok) return shop.response;
    // One indexed lookup whatever the code: known and unknown codes cost the same, and the
    // comparison happens inside Postgres, not character by character here.
    const row = await findBuiltinCode(db, { shopId: shop.shopId, code: parameter.code });
    if (!row) return unknownCode(c, parameter.code);
    return c.json(describe(row));
  });

  routes.post(
    '/discounts/:code/redeem',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json({ error: 'payload_too_large', message: `body must be at most ${MAX_BODY_BYTES} bytes` }, 413),
    }),
    async (c) => {
      const parameter = codeParameter(c.req.param('code'));
      if (!parameter.ok) return c.json({ error: 'invalid_code', message: parameter.message }, 400);
      const shop = await shopOf(c);
      if (!shop.ok) return shop.response;
      let json: unknown;
      try {
        json = await c.req.json();
      } catch {
        return c.json({ error: 'invalid_json', message: 'body must be a JSON object like {"orderId": "..."}' }, 400);
      }
      const body = RedeemBody.safeParse(json);
      if (!body.success) {
        return c.json({ error: 'invalid_order_id', message: describeIssues(payloadIssues(body.error)) }, 400);
      }
      const { code } = parameter;
      const { orderId } = body.data;

      const { shopId } = shop;
      const redeemed = await redeemBuiltinCode(db, { shopId, code, orderId });
      if (redeemed) {
        logger.info({ codeId: redeemed.id, orderId }, 'discount code redeemed');
        return c.json({ code: redeemed.code, status: 'redeemed' as const, orderId, usedAt: redeemed.usedAt });
      }
      // Not live: a fresh read says why. States only move away from active, so this answer holds.
      const row = await findBuiltinCode(db, { shopId, code });
      if (!row) return unknownCode(c, code);
      const status = checkoutStatus(row);
      if (status === 'used' && row.usedByOrderId === orderId) {
        return c.json({ code: row.code, status: 'redeemed' as const, orderId, usedAt: row.usedAt });
      }
      if (status === 'used') {
        return c.json({ code: row.code, status, message: 'already redeemed by another order' }, 409);
      }
      if (status === 'expired' || status === 'disabled') {
        const why = status === 'expired' ? `expired at ${row.expiresAt.toISOString()}` : 'was withdrawn by the shop';
        return c.json({ code: row.code, status, message: `the code ${why}` }, 410);
      }
      // Live now but not a moment ago cannot happen (see above); say "retry" rather than guess.
      c.header('Retry-After', '1');
      return c.json({ error: 'conflict', message: 'the code changed while redeeming; retry' }, 503);
    },
  );

  return routes;
}
