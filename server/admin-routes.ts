import type { SentCopies } from '../mail/outbox-files';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ChainStopper } from '../app/chain-stopper';
import { erasePerson, exportPerson } from '../app/privacy';
import type { Db } from '../db/client';
import { EmailAddress } from '../domain/email-address';
import { requireAdminToken } from './bearer-auth';
import { shopOfRequest } from './request-shop';
import type { ShopResolver } from './shop-resolver';

export interface AdminRoutesDeps {
  db: Db;
  config: { adminToken?: string };
  /** The `Cartflow-Shop` header names the shop whose person is meant; absent, the default shop (SHOP_ID). */
  shops: ShopResolver;
  logger: Logger;
  /** Stops the person's running chains before the erasure; without it the erase is refused. */
  chains?: ChainStopper;
  sentCopies?: SentCopies;
}

const EraseBody = z.object({ email: EmailAddress });
const reasonOf = (error: z.ZodError) => error.issues[0]?.message ?? 'must be an email address';

/** The privacy API for the shop's staff: `GET /admin/privacy/export?email=` and `POST /admin/privacy/erase`. */
export function adminRoutes({ db, config, shops, logger, chains, sentCopies }: AdminRoutesDeps) {
  const routes = new Hono();
  // Scoped to its own paths: other routes under /admin (the dashboard page) bring their own rules.
  routes.use('/privacy/*', requireAdminToken(config.adminToken, 'the privacy API'));

  routes.get('/privacy/export', async (c) => {
    const requested = await shopOfRequest(c, { shops, unknownStatus: 404 });
    if (!requested.ok) return requested.response;
    const { shopId } = requested.shop;
    const email = EmailAddress.safeParse(c.req.query('email') ?? '');
    if (!email.success) {
      return c.json({ error: 'invalid_email', message: `email (query parameter): ${reasonOf(email.error)}` }, 400);
    }
    const result = await exportPerson(db, { shopId, email: email.data });
    if (!result.found) return c.json({ error: 'no_data', message: 'no data held for this address' }, 404);
    logger.info({ customerId: result.document.customer?.id }, 'privacy export served');
    return c.json(result.document);
  });

  routes.post('/privacy/erase', async (c) => {
    const requested = await shopOfRequest(c, { shops, unknownStatus: 404, consequence: '; nothing was erased' });
    if (!requested.ok) return requested.response;
    const { shopId } = requested.shop;
    let json: unknown;
    try {
      json = await c.req.json();
    } catch {
      return c.json({ error: 'invalid_json', message: 'body must be a JSON object like {"email": "..."}' }, 400);
    }
    const body = EraseBody.safeParse(json);
    if (!body.success) {
      return c.json({ error: 'invalid_email', message: `email: ${reasonOf(body.error)}` }, 400);
    }
    if (!chains) {
      return c.json({ error: 'unavailable', message: 'no Temporal client: running chains could not be stopped' }, 503);
    }
    let result;
    try {
      result = await erasePerson({ db, chains, sentCopies }, { shopId, email: body.data.email });
    } catch (error) {
      // Stopping the workflows comes first: when Temporal fails, nothing has been erased yet.
      logger.warn({ err: error }, 'privacy erase failed; nothing erased');
      c.header('Retry-After', '30');
      return c.json({ error: 'temporarily_unavailable', message: 'nothing was erased; retry later' }, 503);
    }
    if (!result.found) return c.json({ error: 'no_data', message: 'no data held for this address' }, 404);
    logger.info({ workflows: result.workflowsStopped?.length, tables: result.tables }, 'person erased');
    return c.json({ status: 'erased', ...result });
  });

  return routes;
}
