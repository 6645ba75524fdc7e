import { createHash } from 'node:crypto';
import { ApplicationFailure, log } from '@temporalio/activity';
import { getCartStatus, getCustomerId } from '../db/cart-store';
import type { Db } from '../db/client';
import { claimSend, recordFailed, recordSent, recordSkipped } from '../db/message-store';
import { buildCartEmailData } from '../domain/cart-email-data';
import { reasonNotToSend, type SkipReason } from '../domain/eligibility';
import type { Cart } from '../domain/events';
import { sendKey } from '../domain/ids';
import { PermanentSendError, type Mailer } from '../mail/mailer';
import { TemplateError, type TemplateRenderer } from '../mail/template-renderer';

export type CartStep = 'reminder';

const TEMPLATE_FOR_STEP: Record<CartStep, string> = { reminder: 'cart-reminder' };

export interface SendCartEmailInput {
  shopId: string;
  cartId: string;
  step: CartStep;
  cart: Cart;
}

export type SendCartEmailResult =
  { status: 'sent' } | { status: 'already_sent' } | { status: 'skipped'; reason: SkipReason };

export interface SendCartEmailDeps {
  db: Db;
  mailer: Mailer;
  templates: TemplateRenderer;
  /** Right-hand side of generated Message-IDs, e.g. the sending domain. */
  messageIdDomain: string;
}

/**
 * Re-checks eligibility, renders and sends one cart email, exactly once per (cart, step).
 * The message row is claimed before SMTP; the only window for a duplicate is a crash between
 * the SMTP server's acceptance and `recordSent`, and the resend then carries the same Message-ID.
 */
export function createSendCartEmail(deps: SendCartEmailDeps) {
  return async function sendCartEmail(input: SendCartEmailInput): Promise<SendCartEmailResult> {
    const { db } = deps;
    const { shopId, cartId, step, cart } = input;
    const key = sendKey({ shopId, cartId, step });
    const templateId = TEMPLATE_FOR_STEP[step];
    const customerId = await getCustomerId(db, { shopId, email: cart.customer.email });

    const skip = reasonNotToSend({ cartStatus: await getCartStatus(db, { shopId, cartId }), cart });
    if (skip) {
      await recordSkipped(db, { key, shopId, cartId, customerId, step, templateId, reason: skip });
      log.info('cart email skipped', { cartId, step, reason: skip });
      return { status: 'skipped', reason: skip };
    }

    const email = await renderOrFail(deps.templates, templateId, buildCartEmailData(cart));
    const messageIdHeader = `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${deps.messageIdDomain}>`;
    const claim = await claimSend(db, {
      key,
      shopId,
      cartId,
      customerId,
      step,
      templateId,
      templateVersion: email.templateVersion,
      messageIdHeader,
    });
    if (!claim.owned) {
      log.info('cart email already handled', { cartId, step, status: claim.status });
      if (claim.status === 'sent') return { status: 'already_sent' };
      if (claim.status === 'skipped') return { status: 'skipped', reason: claim.reason as SkipReason };
      throw ApplicationFailure.nonRetryable(`send ${key} failed earlier: ${claim.reason}`, 'PermanentSendError');
    }

    try {
      const { response } = await deps.mailer.send({
        to: cart.customer.email,
        subject: email.subject,
        html: email.html,
        text: email.text,
        messageId: messageIdHeader,
      });
      await recordSent(db, { key, smtpResponse: response });
    } catch (error) {
      if (error instanceof PermanentSendError) {
        await recordFailed(db, { key, reason: error.message });
        throw ApplicationFailure.nonRetryable(error.message, 'PermanentSendError');
      }
      throw error; // transient: Temporal retries; the row stays 'sending' and the retry owns it
    }
    log.info('cart email sent', { cartId, step, templateVersion: email.templateVersion });
    return { status: 'sent' };
  };
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
