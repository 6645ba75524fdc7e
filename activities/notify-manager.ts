import { ApplicationFailure, log } from '@temporalio/activity';
import type { NotifyManagerStep } from '../domain/campaign';
import type { PinnedCampaign } from '../domain/chain';
import type { ChainSubject } from '../domain/events';
import { buildManagerAlertData } from '../domain/manager-alert-data';
import { type DeliveryDeps, deliverEmail, templateLanguageFor } from './deliver-email';
import { postJson } from './http/post-json';
import { asTemporalFailure } from './http/temporal-failure';
import { signatureHeader } from '../signing/webhook-signature';

export interface ManagerDeps {
  /** Where manager emails go when the webhook names no sales manager for the customer. */
  defaultManagerEmail?: string;
  /** Signs CRM webhooks with the same scheme cartflow expects from shops. */
  outboundWebhookSecret?: string;
  outboundWebhookTimeoutMs?: number;
}

export interface NotifyManagerInput {
  key: string;
  shopId: string;
  cartId: string;
  customerId: number | null;
  step: NotifyManagerStep;
  cart: ChainSubject;
  campaign: PinnedCampaign;
}

/**
 * Tells a B2B account's sales manager at once that the buyer left a cart: an email, and/or a
 * signed JSON POST to a CRM. Internal messages: no consent, frequency or quiet-hour rules.
 */
export async function notifyManager(
  deps: DeliveryDeps & ManagerDeps,
  input: NotifyManagerInput,
): Promise<'sent' | 'already_sent'> {
  const { step, cart, campaign } = input;
  const { manager } = step;
  const { webhookUrl } = manager;
  let status: 'sent' | 'already_sent' = 'sent';

  if (webhookUrl) {
    const body = JSON.stringify({
      type: 'cart.abandoned',
      shopId: input.shopId,
      cartId: input.cartId,
      campaign: { id: campaign.id, version: campaign.version, step: step.id },
      customer: { id: cart.customer.id, email: cart.customer.email, name: cart.customer.name, b2b: cart.customer.b2b },
      currency: cart.currency,
      total: cart.total,
      items: cart.items,
      recoveryUrl: cart.recoveryUrl,
    });
    const headers: Record<string, string> = { 'idempotency-key': input.key };
    if (deps.outboundWebhookSecret) {
      const timestampSeconds = Math.floor(Date.now() / 1000);
      headers['cartflow-signature'] = signatureHeader({ secret: deps.outboundWebhookSecret, body, timestampSeconds });
    }
    await asTemporalFailure('ManagerWebhook', () =>
      postJson({
        url: webhookUrl,
        body: JSON.parse(body),
        headers,
        timeoutMs: deps.outboundWebhookTimeoutMs ?? 5_000,
        label: 'manager webhook',
      }),
    );
    log.info('manager webhook delivered', { cartId: input.cartId, step: step.id });
  }

  if (manager.email) {
    // The campaign schema requires it with `manager.email`; a hand-built step without one fails plainly.
    const template = step.template;
    if (template === undefined) {
      throw ApplicationFailure.nonRetryable(`step ${step.id}: a manager email needs a template`, 'CampaignStep');
    }
    const to = cart.customer.salesManagerEmail ?? deps.defaultManagerEmail;
    if (!to) {
      log.warn('no sales manager address: set customer.salesManagerEmail or SALES_MANAGER_EMAIL', {
        cartId: input.cartId,
      });
      return status;
    }
    // The alert is in the buyer's language when the template has it: its prices are formatted in the alert's.
    const templateLanguage = await templateLanguageFor(deps, {
      templateId: template,
      customerLocale: cart.customer.locale,
    });
    status = await deliverEmail(deps, {
      key: `${input.key}:manager`,
      shopId: input.shopId,
      cartId: input.cartId,
      customerId: input.customerId,
      step: step.id,
      templateId: template,
      data: buildManagerAlertData({ cart, managerEmail: to, templateLanguage }),
      to,
      kind: 'internal',
      recipientRole: 'manager',
      campaign: { id: campaign.id, version: campaign.version, segment: campaign.segment },
      // No chain or attribution rule: a manager's opens and clicks are not the customer's.
      currency: cart.currency,
    });
  }
  return status;
}
