import { Hono } from 'hono';
import type { Db } from '../db/client';
import type { Campaign } from '../domain/campaign';
import { ReportInputError, loadReport } from '../reports/load-report';
import { requireAdminToken } from './bearer-auth';
import { reportOpenApi } from './report-openapi';
import { shopOfRequest } from './request-shop';
import type { ShopResolver } from './shop-resolver';

export interface ReportRoutesDeps {
  db: Db;
  config: { adminToken?: string };
  /** The `Cartflow-Shop` header names the shop reported on; absent, the default shop (SHOP_ID). */
  shops: ShopResolver;
  /** Every version of every campaign file: the planned splits and metrics the report judges by. */
  campaigns: readonly Campaign[];
  now?: () => number;
}

const PARAMETERS = ['since', 'until', 'campaign'] as const;
type Parameter = (typeof PARAMETERS)[number];
const isParameter = (name: string): name is Parameter => (PARAMETERS as readonly string[]).includes(name);

/**
 * `GET /admin/reports/campaigns?since=&until=&campaign=`: the CampaignReport of reports/, exactly
 * as loadReport builds it, behind the ADMIN_TOKEN bearer scheme; and `GET /admin/openapi.json`,
 * its description (public: it holds no data). Mounted at /admin.
 */
export function reportRoutes({ db, config, shops, campaigns, now = Date.now }: ReportRoutesDeps) {
  const routes = new Hono();
  routes.use('/reports/*', requireAdminToken(config.adminToken, 'the reports API'));
  routes.use('/reports/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
  });

  routes.get('/openapi.json', (c) => {
    c.header('X-Content-Type-Options', 'nosniff');
    return c.json(reportOpenApi);
  });

  routes.get('/reports/campaigns', async (c) => {
    const requested = await shopOfRequest(c, { shops, unknownStatus: 404 });
    if (!requested.ok) return requested.response;
    const query = c.req.queries();
    const unknown = Object.keys(query).filter((name) => !isParameter(name));
    if (unknown.length > 0) {
      const names = unknown.map((name) => `"${name.slice(0, 40)}"`).join(', ');
      return c.json(
        { error: 'unknown_parameter', message: `unknown query parameter ${names}; use since, until and campaign` },
        400,
      );
    }
    const repeated = PARAMETERS.find((name) => (query[name]?.length ?? 0) > 1);
    if (repeated) {
      return c.json(
        { error: 'invalid_parameter', parameter: repeated, message: `${repeated} is given more than once` },
        400,
      );
    }
    const campaign = c.req.query('campaign');
    if (campaign === '') {
      return c.json(
        { error: 'invalid_parameter', parameter: 'campaign', message: 'campaign is empty: name one, or leave it out' },
        400,
      );
    }
    try {
      const report = await loadReport(db, {
        campaigns,
        request: {
          shopId: requested.shop.shopId,
          campaignId: campaign,
          since: c.req.query('since'),
          until: c.req.query('until'),
        },
        now: new Date(now()),
      });
      return c.json(report);
    } catch (error) {
      if (!(error instanceof ReportInputError)) throw error;
      return c.json({ error: 'invalid_parameter', parameter: error.parameter, message: error.message }, 400);
    }
  });

  return routes;
}
