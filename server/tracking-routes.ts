import type { Context, Hono } from 'hono';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { type TrackedMessage, findTrackedMessage } from '../db/tracking-store';
import type { ServerMetrics } from '../metrics/server-metrics';
import { verifyToken } from '../tracking/tokens';
import { clientNetwork } from './client-network';
import { requestPageLocale } from './request-locale';
import { messagePage } from './unsubscribe-page';
import { type PageLocale, pageLocaleOf } from './unsubscribe-texts';
import { type Requester, recordClick, recordOpen } from './tracking-recorder';

export interface TrackingRoutesDeps {
  db: Db;
  logger: Logger;
  /** TRACKING_SECRET: the links were signed with it at send time. */
  secret: string;
  /** TRUST_PROXY: take the client from X-Forwarded-For. */
  trustProxy: boolean;
  metrics?: Pick<ServerMetrics, 'trackingHit'>;
  now?: () => number;
}

// A 1×1 transparent GIF (43 bytes).
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
const NO_STORE = 'no-store, private';

/**
 * `GET /t/o/<token>.gif`, the open pixel, and `GET /t/c/<token>`, a tracked link. A bad token
 * gets 404 and never a Location header; the redirect target is always the URL the message row
 * stored at send time (no open redirect). See docs/tracking.md.
 */
export function mountTrackingRoutes(
  app: Hono,
  { db, logger, secret, trustProxy, metrics, now = Date.now }: TrackingRoutesDeps,
): void {
  app.get('/t/o/:token', async (c) => {
    const token = c.req.param('token').replace(/\.gif$/i, '');
    const check = verifyToken(secret, token, 'open', new Date(now()));
    // Past its TTL the email is still displayed: show the image, record nothing.
    if (!check.ok && check.reason === 'expired') return pixel(c);
    if (!check.ok) return pixelNotFound(c);
    const { messageId } = check.claims;
    const message = await lookUp(messageId);
    if (message === 'unavailable') return pixel(c); // the open is lost; the email must not show a broken image
    if (!message) return pixelNotFound(c);
    // The email is still in their mailbox; who reads it, when and where is no longer collected.
    if (message.erased) return pixel(c);
    try {
      const { machine } = await recordOpen(db, { messageId, message, requester: requester(c) });
      metrics?.trackingHit({ type: 'open', machine });
    } catch (error) {
      logger.error({ err: error, messageId }, 'open not recorded');
    }
    return pixel(c);
  });

  app.get('/t/c/:token', async (c) => {
    const check = verifyToken(secret, c.req.param('token'), 'click', new Date(now()));
    if (!check.ok && check.reason === 'expired') {
      // An authentic old link still names its email: answer in the email's language.
      const expired = check.claims && (await lookUp(check.claims.messageId));
      return linkPage(c, 410, LINK_EXPIRED, expired === 'unavailable' ? undefined : expired);
    }
    if (!check.ok) return linkPage(c, 404, LINK_UNKNOWN);
    const { messageId, linkIndex } = check.claims;
    const message = await lookUp(messageId);
    if (message === 'unavailable') return linkPage(c, 503, LINK_UNAVAILABLE);
    // Erasure removed the links: saying "not valid, use the link as it appears" would be untrue.
    if (message?.erased) return linkPage(c, 410, LINK_ERASED, message);
    const url = linkIndex === undefined ? undefined : message?.links[linkIndex];
    if (!message || linkIndex === undefined || !url || !/^https?:\/\//i.test(url)) {
      return linkPage(c, 404, LINK_UNKNOWN, message);
    }
    try {
      const { machine } = await recordClick(db, { messageId, linkIndex, message, requester: requester(c) });
      metrics?.trackingHit({ type: 'click', machine });
    } catch (error) {
      // The customer still reaches the shop; only the statistic is lost.
      logger.error({ err: error, messageId, linkIndex }, 'click not recorded');
    }
    c.header('Cache-Control', NO_STORE);
    // The token stays out of the shop's analytics (the Referer of the next request).
    c.header('Referrer-Policy', 'no-referrer');
    return c.redirect(url, 302);
  });

  async function lookUp(messageId: string): Promise<TrackedMessage | undefined | 'unavailable'> {
    try {
      return await findTrackedMessage(db, messageId);
    } catch (error) {
      logger.error({ err: error, messageId }, 'tracked message lookup failed');
      return 'unavailable';
    }
  }

  function requester(c: Context): Requester {
    return {
      method: c.req.method,
      userAgent: c.req.header('user-agent') ?? null,
      ipPrefix: clientNetwork(c, { trustProxy }),
    };
  }
}

function pixel(c: Context) {
  return c.body(new Uint8Array(PIXEL), 200, {
    'Content-Type': 'image/gif',
    'Content-Length': String(PIXEL.length),
    'Cache-Control': NO_STORE,
  });
}

function pixelNotFound(c: Context) {
  c.header('Cache-Control', NO_STORE);
  return c.json({ error: 'not_found', message: 'unknown or invalid tracking token' }, 404);
}

type LinkPage = Record<PageLocale, { title: string; text: string }>;

const LINK_UNKNOWN: LinkPage = {
  en: {
    title: 'Link not found',
    text: 'This link is not valid. Please use the link exactly as it appears in the email, or visit the shop directly.',
  },
  ru: {
    title: 'Ссылка не найдена',
    text:
      'Эта ссылка недействительна. Пожалуйста, откройте ссылку точно в том виде, в каком она указана в письме, ' +
      'или перейдите на сайт магазина напрямую.',
  },
};
const LINK_EXPIRED: LinkPage = {
  en: {
    title: 'Link expired',
    text: 'This link from an older email has expired. Please visit the shop directly.',
  },
  ru: {
    title: 'Срок действия ссылки истёк',
    text: 'Срок действия этой ссылки из старого письма истёк. Пожалуйста, перейдите на сайт магазина напрямую.',
  },
};
const LINK_ERASED: LinkPage = {
  en: {
    title: 'Your data was erased',
    text:
      'This link no longer leads anywhere: the data behind it was erased at your or the shop’s request. ' +
      'Please visit the shop directly.',
  },
  ru: {
    title: 'Ваши данные удалены',
    text:
      'Эта ссылка больше никуда не ведёт: данные, на которые она указывала, удалены по вашей просьбе ' +
      'или по просьбе магазина. Пожалуйста, перейдите на сайт магазина напрямую.',
  },
};
const LINK_UNAVAILABLE: LinkPage = {
  en: {
    title: 'Please try again',
    text: 'This link cannot be followed right now. Please try again in a minute.',
  },
  ru: {
    title: 'Попробуйте ещё раз',
    text: 'Сейчас по этой ссылке перейти не получается. Пожалуйста, попробуйте ещё раз через минуту.',
  },
};

/** In the email's language when the link names one we hold, else in the browser's (Accept-Language). */
function linkPage(c: Context, status: 404 | 410 | 503, page: LinkPage, message?: Pick<TrackedMessage, 'locale'>) {
  const locale = message ? pageLocaleOf(message.locale) : requestPageLocale(c);
  const { title, text } = page[locale];
  c.header('Cache-Control', NO_STORE);
  if (status === 503) c.header('Retry-After', '30');
  return c.html(messagePage(locale, title, text), status);
}
