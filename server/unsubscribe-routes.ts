import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { type ChainStopper, type StopChainsInput, stopChainsOrWarn } from '../app/chain-stopper';
import { unsubscribeFromAll as unsubscribeAddress } from '../app/unsubscribe';
import type { Db } from '../db/client';
import {
  type UnsubscribeTarget,
  optOut,
  erasedMessageOf,
  optedOutCategories,
  recordUnsubscribeEvent,
  resubscribe,
  unsubscribeTargetOf,
} from '../db/preference-store';
import { suppressionFor } from '../db/suppression-store';
import { type EmailCategory, isEmailCategory, triggersOf } from '../domain/email-categories';
import type { ServerMetrics } from '../metrics/server-metrics';
import { verifyToken } from '../tracking/tokens';
import {
  type Outcome,
  type Problem,
  blockOf,
  standingOf,
  preferencesPage,
  problemPage,
  resultPage,
} from './unsubscribe-page';
import { requestPageLocale } from './request-locale';
import { type PageLocale, TEXTS, pageLocaleOf } from './unsubscribe-texts';

export interface UnsubscribeRoutesDeps {
  db: Db;
  /** TRACKING_SECRET: the links were signed with it at send time. */
  secret: string;
  /** Stops running chains at once; without it the next step's re-check still skips. */
  chains?: ChainStopper;
  logger: Logger;
  metrics?: Pick<ServerMetrics, 'unsubscribe'>;
  now: () => number;
}

const MAX_FORM_BYTES = 16 * 1024;

// Pages behind a secret link: not cached, not indexed, not framed, and the token never leaks in a Referer.
const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

/**
 * `/u/:token`, the link in every marketing email's footer and List-Unsubscribe header.
 * POST `List-Unsubscribe=One-Click` (RFC 8058, sent by mail providers without cookies) unsubscribes
 * from all marketing at once; GET only shows the choices, because link scanners fetch every GET.
 */
export function unsubscribeRoutes(deps: UnsubscribeRoutesDeps) {
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(PAGE_HEADERS)) c.header(name, value);
  });

  app.get('/:token', async (c) => {
    const found = await findTarget(c.req.param('token'), requestPageLocale(c));
    if (!found.ok) return c.html(problemPage(found.locale, found.problem), statusOf(found.problem));
    return c.html(preferencesPage(await viewOf(found.target, c.req.param('token'))));
  });

  app.post(
    '/:token',
    bodyLimit({ maxSize: MAX_FORM_BYTES, onError: (c) => c.text(`form larger than ${MAX_FORM_BYTES} bytes`, 413) }),
    async (c) => {
      const token = c.req.param('token');
      const fields = await readForm(c);
      const oneClick = fields.get('List-Unsubscribe') === 'One-Click';
      const found = await findTarget(token, requestPageLocale(c));
      // An opt-out is never refused: the mailbox provider's one-click on an authentic old link still
      // unsubscribes (harmless if the address changed hands), but the page's other choices expire.
      if (!found.ok && oneClick && found.expiredTarget) {
        await unsubscribeFromAll(found.expiredTarget, 'one_click');
        return c.text(TEXTS[pageLocaleOf(found.expiredTarget.locale)].oneClickDone, 200);
      }
      // Erased: no address is held, so none gets email; the mail program is told it is done.
      if (!found.ok && oneClick && found.problem.kind === 'erased') {
        const t = TEXTS[found.locale];
        return c.text(`${t.erasedTitle}. ${t.erased}`, 200);
      }
      if (!found.ok) {
        const status = statusOf(found.problem);
        if (oneClick) return c.text(found.problem.kind === 'expired' ? TEXTS.en.expired : TEXTS.en.notFound, status);
        return c.html(problemPage(found.locale, found.problem), status);
      }
      const { target } = found;
      const locale = pageLocaleOf(target.locale);
      if (oneClick) {
        await unsubscribeFromAll(target, 'one_click');
        return c.text(TEXTS[locale].oneClickDone, 200);
      }
      const form = readPreferencesForm(fields, locale);
      if (!form.ok) return c.html(problemPage(locale, { kind: 'bad_input', detail: form.problem }), 400);
      const outcome = await apply(target, form.outcome);
      deps.logger.info({ messageId: found.messageId, action: outcome.action }, 'email preferences changed');
      return c.html(resultPage({ locale, action: token, outcome }));
    },
  );

  type Found =
    | { ok: true; messageId: string; target: UnsubscribeTarget }
    | { ok: false; problem: Problem; locale: PageLocale; expiredTarget?: UnsubscribeTarget };

  /** `browserLocale` answers a link that names no email we hold (Accept-Language). */
  async function findTarget(token: string, browserLocale: PageLocale): Promise<Found> {
    const check = verifyToken(deps.secret, token, 'unsubscribe', new Date(deps.now()));
    // Only an authentic link names a message; an expired one is still authentic.
    const claims = check.ok || check.reason === 'expired' ? check.claims : undefined;
    if (!claims) return { ok: false, problem: { kind: 'not_found' }, locale: browserLocale };
    const { messageId } = claims;
    const target = await unsubscribeTargetOf(deps.db, messageId);
    // Erased outranks expired: "use a newer email" would send the person looking for mail that never comes.
    if (!target) {
      const erased = await erasedMessageOf(deps.db, messageId);
      if (erased) return { ok: false, problem: { kind: 'erased' }, locale: pageLocaleOf(erased.locale) };
    }
    if (!check.ok) {
      // An authentic but expired link still tells us the language to answer in.
      const locale = target ? pageLocaleOf(target.locale) : browserLocale;
      return { ok: false, problem: { kind: 'expired' }, locale, ...(target ? { expiredTarget: target } : {}) };
    }
    if (!target) return { ok: false, problem: { kind: 'not_found' }, locale: browserLocale };
    return { ok: true, messageId, target };
  }

  async function viewOf(target: UnsubscribeTarget, token: string) {
    const suppression = await suppressionFor(deps.db, target);
    const standing = standingOf(suppression?.reason);
    return {
      locale: pageLocaleOf(target.locale),
      // Relative: the form posts back to this very URL, whatever prefix a proxy put in front.
      action: token,
      email: target.email,
      standing,
      category: target.category,
      optedOut: await optedOutCategories(deps.db, target),
    };
  }

  async function apply(target: UnsubscribeTarget, form: PreferencesForm): Promise<Outcome> {
    if (form.action === 'all') {
      await unsubscribeFromAll(target, 'preferences');
      return { action: 'all' };
    }
    if (form.action === 'category') {
      await optOut(deps.db, { ...target, categories: form.categories });
      await recordUnsubscribeEvent(deps.db, { shopId: target.shopId, messageId: target.messageId, scope: 'category' });
      deps.metrics?.unsubscribe({ scope: 'category', source: 'preferences' });
      await stopChains({ ...target, triggers: form.categories.flatMap(triggersOf), reason: 'category_opt_out' });
      return form;
    }
    return { action: 'resubscribe', stillBlocked: blockOf(await resubscribe(deps.db, target)) };
  }

  const unsubscribeFromAll = async (target: UnsubscribeTarget, source: 'one_click' | 'preferences') => {
    await unsubscribeAddress(deps, target, source);
    deps.metrics?.unsubscribe({ scope: 'all', source });
  };

  // The choice is stored and every step re-checks it before sending: answer the person anyway.
  const stopChains = (input: StopChainsInput) => stopChainsOrWarn(deps.chains, input, deps.logger);

  return app;
}

function statusOf(problem: Problem): 404 | 410 | 400 {
  if (problem.kind === 'not_found') return 404;
  return problem.kind === 'expired' || problem.kind === 'erased' ? 410 : 400;
}

/** RFC 8058 allows urlencoded and multipart bodies; anything else is read as urlencoded text. */
async function readForm(c: Context): Promise<URLSearchParams> {
  if (!c.req.header('content-type')?.toLowerCase().startsWith('multipart/form-data')) {
    return new URLSearchParams(await c.req.text());
  }
  const fields = new URLSearchParams();
  let parsed;
  try {
    parsed = await c.req.parseBody({ all: true });
  } catch {
    return fields; // a broken multipart body is a form without fields: answered as bad input
  }
  for (const [name, value] of Object.entries(parsed)) {
    for (const item of [value].flat()) if (typeof item === 'string') fields.append(name, item);
  }
  return fields;
}

type PreferencesForm = { action: 'all' | 'resubscribe' } | { action: 'category'; categories: EmailCategory[] };

function readPreferencesForm(
  fields: URLSearchParams,
  locale: PageLocale,
): { ok: true; outcome: PreferencesForm } | { ok: false; problem: string } {
  const problems = TEXTS[locale].problems;
  const action = fields.get('action');
  if (action === 'all' || action === 'resubscribe') return { ok: true, outcome: { action } };
  if (action !== 'category') return { ok: false, problem: `action: ${problems.action}` };
  const values = [...new Set(fields.getAll('category'))];
  const unknown = values.find((value) => !isEmailCategory(value));
  if (unknown !== undefined)
    return { ok: false, problem: `category: ${problems.unknownCategory(unknown.slice(0, 80))}` };
  if (values.length === 0) return { ok: false, problem: `category: ${problems.noCategory}` };
  return { ok: true, outcome: { action: 'category', categories: values.filter(isEmailCategory) } };
}
