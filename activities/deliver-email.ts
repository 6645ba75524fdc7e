import { createHash } from 'node:crypto';
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Db } from '../db/client';
import { claimSend, recordFailed, recordSent } from '../db/message-store';
import { PermanentSendError, type Mailer } from '../mail/mailer';
import { TemplateError, type TemplateRenderer } from '../mail/template-renderer';

export interface DeliveryDeps {
  db: Db;
  mailer: Mailer;
  templates: TemplateRenderer;
  /** Right-hand side of generated Message-IDs, e.g. the sending domain. */
  messageIdDomain: string;
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
}

export type DeliveryResult = 'sent' | 'already_sent';

export function messageIdFor(key: string, domain: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
}

/**
 * Renders and sends one email exactly once per key: the message row is claimed before SMTP, so a
 * retried activity never sends twice. The one window left is a crash between the SMTP server's
 * acceptance and `recordSent` (a single UPDATE); the resend then carries the same Message-ID.
 */
export async function deliverEmail(deps: DeliveryDeps, input: DeliverEmailInput): Promise<DeliveryResult> {
  const email = await renderOrFail(deps.templates, input.templateId, input.data);
  const messageIdHeader = messageIdFor(input.key, deps.messageIdDomain);
  const claim = await claimSend(deps.db, {
    key: input.key,
    shopId: input.shopId,
    cartId: input.cartId,
    customerId: input.customerId,
    step: input.step,
    templateId: input.templateId,
    templateVersion: email.templateVersion,
    messageIdHeader,
    kind: input.kind,
    recipientRole: input.recipientRole,
    campaignId: input.campaign?.id ?? null,
    campaignVersion: input.campaign?.version ?? null,
    segment: input.campaign?.segment ?? null,
  });
  if (!claim.owned) {
    if (claim.status === 'sent') return 'already_sent';
    if (claim.status === 'in_flight') {
      // Retryable: Temporal tries again after its backoff, by when the other attempt has ended.
      throw ApplicationFailure.retryable(`send ${input.key} is in flight in another attempt`, 'SendInFlight');
    }
    throw ApplicationFailure.nonRetryable(`send ${input.key} ended earlier as ${claim.status}: ${claim.reason}`);
  }
  try {
    const { response } = await deps.mailer.send({
      to: input.to,
      subject: email.subject,
      html: email.html,
      text: email.text,
      messageId: messageIdHeader,
    });
    await recordSent(deps.db, { key: input.key, smtpResponse: response });
  } catch (error) {
    if (error instanceof PermanentSendError) {
      await recordFailed(deps.db, { key: input.key, reason: error.message });
      throw ApplicationFailure.nonRetryable(error.message, 'PermanentSendError');
    }
    throw error; // transient: Temporal retries; the row stays 'sending' and the retry owns it
  }
  log.info('email sent', { cartId: input.cartId, step: input.step, templateVersion: email.templateVersion });
  return 'sent';
}

async function renderOrFail(templates: TemplateRenderer, templateId: string, data: object) {
  try {
    return await templates.render(templateId, data);
  } catch (error) {
    // A broken template does not heal by retrying: fail the step loudly instead of looping.
    if (error instanceof TemplateError) throw ApplicationFailure.nonRetryable(error.message, 'TemplateError');
    throw error;
  }
}
