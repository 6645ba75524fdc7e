import { ApplicationFailure, activityInfo, log } from '@temporalio/activity';
import type { Db } from '../db/client';
import type { LocalizedText } from '../domain/localized-text';
import { claimSend, recordFailed, recordSent, recordUnconfirmed, releaseClaim } from '../db/message-store';
import { PermanentSendError, type Mailer, UnsendableAddressError } from '../mail/mailer';
import { type SendDeadline, SendDeadlinePassedError, sendDeadline } from '../mail/send-deadline';
import { SEND_DEADLINE_MS } from '../domain/activity-timeouts';
import { messageIdFor, outgoingEmail } from '../mail/outgoing-email';
import { smtpErrorClass } from '../mail/smtp-error-class';
import { TemplateError, type TemplateRenderer } from '../mail/template-renderer';
import type { WorkerMetrics } from '../metrics/worker-metrics';
import { type LinkSettings, messageRowIdFor, unsubscribeUrl } from '../tracking/message-links';
import { type ShopProfiles, shopProfileOf } from './shop-profile';

export interface DeliveryDeps {
  db: Db;
  mailer: Mailer;
  templates: TemplateRenderer;
  /** Right-hand side of generated Message-IDs and the List-Id namespace (MAIL_FROM's domain); a shop's own From domain replaces it. */
  messageIdDomain: string;
  /** A 5xx at SMTP time is a hard bounce: suppress the address (app/bounces.ts). */
  onPermanentFailure?: (failure: {
    shopId: string;
    email: string;
    messageId: string;
    error: PermanentSendError;
  }) => Promise<void>;
  /**
   * Tracked links, open pixel and the signed unsubscribe link with RFC 8058 headers. Every entry
   * point sets it (app/services.ts); without it emails go out as rendered (some unit tests).
   */
  links?: LinkSettings;
  /** SHOP_POSTAL_ADDRESS (one, or one per language), overriding templates/shop.json in every email. */
  postalAddress?: LocalizedText;
  /** The shops of the `shops` table: their sender identity and postal address; absent: one shop only. */
  shops?: ShopProfiles;
  /** Counts steps and SMTP errors for /metrics; the worker passes it (worker.ts). */
  metrics?: Pick<WorkerMetrics, 'step' | 'smtpError'>;
  now?: () => Date;
  /** Starts the deadline of one attempt's send; default SEND_DEADLINE_MS on the system's clocks. */
  sendDeadline?: () => SendDeadline;
}

export interface DeliverEmailInput {
  /** Unique business key of this send, e.g. `cart:shop:42:reminder`. */
  key: string;
  shopId: string;
  cartId: string;
  customerId: number | null;
  step: string;
  templateId: string;
  data: object;
  to: string;
  kind: 'marketing' | 'internal';
  recipientRole: 'customer' | 'manager';
  campaign?: { id: string; version: number; segment: string };
  /**
   * The cart's currency, recorded on the message for the funnel's row. Internal emails (a sales
   * manager's alert) carry it too: without it their step showed as two lines, "EUR" for a skipped
   * alert and "-" for the sent ones.
   */
  currency?: string;
  /** What analysts need of a send to the customer: its chain, experiment arm and attribution rule. */
  analytics?: SendAnalytics;
  /** When the step fell due (ms): its links' lifetimes count from here, the same on every attempt. */
  dueAt?: number;
}

export interface SendAnalytics {
  workflowId: string;
  /** The step's variant id, when the step is an experiment. */
  variant?: string;
  /** Picks the subject line when the variant does not fix one: the same for this customer every time. */
  subjectKey?: string;
  /** The subject line (0-based) the variant fixes. */
  subjectVariant?: number;
  attributionWindowMs: number;
  attributionTouch: 'click' | 'open';
}

export type DeliveryResult = 'sent' | 'already_sent';

export { messageIdFor };

/**
 * Renders and sends one email exactly once per key: the message row is claimed before SMTP, so a
 * retried activity never sends twice. The one window left is a crash between the SMTP server's
 * acceptance and `recordSent` (a single UPDATE); the resend then carries the same Message-ID.
 */
export async function deliverEmail(deps: DeliveryDeps, input: DeliverEmailInput): Promise<DeliveryResult> {
  const rowId = messageRowIdFor(input.key);
  const sentAt = deps.now?.() ?? new Date();
  const issuedAt = linksIssuedAt(input.dueAt, sentAt);
  const marketing = input.kind === 'marketing' ? deps.links : undefined;
  const unsubscribe = marketing ? unsubscribeUrl(marketing, rowId, issuedAt) : undefined;
  const analytics = input.analytics;
  const shop = await shopProfileOf(deps.shops, input.shopId);
  const postalAddress = shop ? (shop.postalAddress ?? deps.postalAddress) : deps.postalAddress;
  const rendered = await renderOrFail(deps.templates, input.templateId, input.data, {
    now: sentAt,
    // The subject A/B line: the same for a retry of this send, and for this customer's later sends.
    variantKey: analytics?.subjectKey ?? input.key,
    ...(analytics?.subjectVariant === undefined ? {} : { subjectVariant: analytics.subjectVariant }),
    ...(unsubscribe ? { unsubscribeUrl: unsubscribe } : {}),
    ...(postalAddress ? { postalAddress } : {}),
    ...(shop?.name ? { shopName: shop.name } : {}),
  });
  // A shop with its own From names its own domain in Message-ID and List-Id, not the install's.
  const senderDomain = shop?.senderDomain ?? deps.messageIdDomain;
  const messageIdHeader = messageIdFor(input.key, senderDomain);
  const email = outgoingEmail({
    rendered,
    to: input.to,
    messageId: messageIdHeader,
    ...(deps.links ? { links: deps.links } : {}),
    rowId,
    issuedAt,
    ...(shop?.from ? { from: shop.from } : {}),
    ...(shop?.replyTo ? { replyTo: shop.replyTo } : {}),
    ...(shop?.dkim ? { dkim: shop.dkim } : {}),
    ...(unsubscribe
      ? {
          marketing: {
            unsubscribe,
            shopId: input.shopId,
            campaignId: input.campaign?.id,
            step: input.step,
            domain: senderDomain,
          },
        }
      : {}),
  });
  // Started before the claim, so it runs ahead of the claim's own age, which a retry's takeover goes by.
  const deadline = (deps.sendDeadline ?? (() => sendDeadline(SEND_DEADLINE_MS)))();
  const claim = await claimSend(deps.db, {
    id: rowId,
    key: input.key,
    shopId: input.shopId,
    cartId: input.cartId,
    customerId: input.customerId,
    recipient: input.to,
    step: input.step,
    templateId: input.templateId,
    templateVersion: rendered.templateVersion,
    locale: rendered.locale,
    subjectVariant: rendered.subjectVariant,
    links: email.links,
    messageIdHeader,
    kind: input.kind,
    recipientRole: input.recipientRole,
    campaignId: input.campaign?.id ?? null,
    campaignVersion: input.campaign?.version ?? null,
    segment: input.campaign?.segment ?? null,
    workflowId: analytics?.workflowId ?? null,
    variant: analytics?.variant ?? (rendered.subjectCount > 1 ? `subject-${rendered.subjectVariant + 1}` : null),
    currency: input.currency ?? null,
    attributionWindowSeconds: analytics ? Math.round(analytics.attributionWindowMs / 1000) : null,
    attributionTouch: analytics?.attributionTouch ?? null,
  });
  if (!claim.owned) {
    if (claim.status === 'sent') return 'already_sent';
    if (claim.status === 'in_flight') {
      // Retryable: Temporal tries again after its backoff, by when the other attempt has ended.
      throw ApplicationFailure.retryable(`send ${input.key} is in flight in another attempt`, 'SendInFlight');
    }
    throw ApplicationFailure.nonRetryable(`send ${input.key} ended earlier as ${claim.status}: ${claim.reason}`);
  }
  let response: string;
  try {
    ({ response } = await deps.mailer.send(email.email, { deadline }));
  } catch (error) {
    if (error instanceof SendDeadlinePassedError) {
      // Frozen mid-send: a retry may own the claim by now, so the row is left to it. This attempt's
      // own retry finds the email sent, or a claim it must wait for.
      log.warn('email not sent: the attempt outlived its claim', {
        messageId: rowId,
        cartId: input.cartId,
        step: input.step,
      });
      throw ApplicationFailure.retryable(error.message, 'SendDeadlinePassed');
    }
    const errorClass = smtpErrorClass(error);
    deps.metrics?.smtpError(errorClass);
    log.warn('email not sent', { messageId: rowId, cartId: input.cartId, step: input.step, errorClass });
    if (error instanceof PermanentSendError) {
      // Refused now, but an earlier attempt that died may have had it accepted: not known to have failed.
      const record = claim.earlierAttemptMayHaveSent ? recordUnconfirmed : recordFailed;
      await record(deps.db, { key: input.key, reason: error.message });
      await deps.onPermanentFailure?.({ shopId: input.shopId, email: input.to, messageId: rowId, error });
      throw ApplicationFailure.nonRetryable(error.message, 'PermanentSendError');
    }
    if (error instanceof UnsendableAddressError) {
      await recordFailed(deps.db, { key: input.key, reason: error.message });
      throw ApplicationFailure.nonRetryable(error.message, 'UnsendableAddressError');
    }
    // Transient: Temporal retries. The row stays 'sending'; the retry may take it over at once only
    // when the server certainly did not take the message (else after STALE_CLAIM_MS).
    if (serverDidNotTakeIt(error)) await releaseClaim(deps.db, input.key);
    throw error;
  }
  await recordSent(deps.db, { key: input.key, smtpResponse: response });
  log.info('email sent', {
    messageId: rowId,
    cartId: input.cartId,
    step: input.step,
    templateVersion: rendered.templateVersion,
  });
  return 'sent';
}

/**
 * Link lifetimes count from a time that is the same on every attempt of the step, so a resend in the
 * crash window is byte for byte the email that went out before: the step's due time, which the
 * workflow fixes. Without one (a manager's note, chains scheduled before it) they count from when
 * the activity was first scheduled. A local activity run again after a crash is scheduled anew, so
 * that fallback alone would not hold for chain steps. Outside a scheduled activity
 * (MockActivityEnvironment reports 1 ms) they count from now.
 */
function linksIssuedAt(dueAt: number | undefined, now: Date): Date {
  if (dueAt !== undefined) return new Date(dueAt);
  const scheduled = activityInfo().scheduledTimestampMs;
  return scheduled > 1 ? new Date(scheduled) : now;
}

function renderOrFail(
  templates: TemplateRenderer,
  templateId: string,
  data: object,
  options: Parameters<TemplateRenderer['render']>[2],
) {
  return failingOnTemplateError(() => templates.render(templateId, data, options));
}

/**
 * The language a template is rendered in for this customer, to build its data in (prices are
 * formatted before rendering): a missing or broken template fails the step as a render does.
 */
export function templateLanguageFor(
  deps: Pick<DeliveryDeps, 'templates'>,
  { templateId, customerLocale }: { templateId: string; customerLocale: string },
): Promise<string> {
  return failingOnTemplateError(() => deps.templates.languageFor(templateId, customerLocale));
}

async function failingOnTemplateError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    // A broken template does not heal by retrying: fail the step loudly instead of looping.
    if (error instanceof TemplateError) throw ApplicationFailure.nonRetryable(error.message, 'TemplateError');
    throw error;
  }
}

/** No connection was made, or the server answered 4xx (to the final dot too: RFC 5321 4.2.5). */
function serverDidNotTakeIt(error: unknown): boolean {
  const { responseCode, command } = (error ?? {}) as { responseCode?: unknown; command?: unknown };
  return (typeof responseCode === 'number' && responseCode >= 400 && responseCode < 500) || command === 'CONN';
}
