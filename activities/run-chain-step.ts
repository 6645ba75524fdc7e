import { activityInfo, log } from '@temporalio/activity';
import { recordChainEnd, recordChainStart } from '../db/chain-store';
import { type LatestCode, loadStepFacts } from '../db/step-facts';
import { recordNotSent } from '../db/message-store';
import type { YoungTableStatistics } from '../db/young-table-statistics';
import { messageRowIdFor } from '../tracking/message-links';
import type { StepOutcome } from '../metrics/worker-metrics';
import type { Campaign, EmailStep } from '../domain/campaign';
import { buildCartEmailData, cartMoneyLocale } from '../domain/cart-email-data';
import { formatMoney } from '../domain/money';
import type { PinnedCampaign, ChainStepResult } from '../domain/chain';
import type { ConsentPolicy } from '../domain/consent';
import { decideSend } from '../domain/eligibility';
import { categoryOf } from '../domain/email-categories';
import type { Cart, ChainSubject } from '../domain/events';
import { checkReentry } from '../domain/frequency';
import { DEFAULT_FRESH_FOR_MS, isExpired } from '../domain/freshness';
import {
  conversionWindowMs,
  customerKeyOf,
  effectiveStep,
  holdoutArmOf,
  subjectKeyOf,
  variantsOf,
} from '../domain/experiments';
import { sendKey } from '../domain/ids';
import { type DeliveryDeps, deliverEmail, templateLanguageFor } from './deliver-email';
import { createDiscountActivities, type DiscountDeps } from './discounts';
import { notifyManager, type ManagerDeps } from './notify-manager';
import { sendFactsOf } from './send-facts';
import { shopProfileOf } from './shop-profile';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export interface ChainStepDeps extends DeliveryDeps, ManagerDeps {
  shopApi?: DiscountDeps['shopApi'];
  /** CONSENT_POLICY; `opt_in` when absent. */
  consentPolicy?: ConsentPolicy;
  /** CONSENT_GRACE (ms): how long after the chain's start a step without consent waits for it; 0 when absent. */
  consentGraceMs?: number;
  now?: () => Date;
  /**
   * When the current attempt was scheduled (ms): by default the activity's own info, so retries
   * after a long outage see how late they are. A step runs as a local activity, whose times are the
   * worker's clock, compared with the workflow's `dueAt` in the server's: they agree to the clocks'
   * sync, and a window is hours (a test server that skips time shows the worker none of it).
   */
  attemptScheduledAt?: () => number;
  /**
   * Counts steps for the send tables' statistics while they are young (db/young-table-statistics.ts,
   * STEP_TABLES). The entry points pass one (app/services.ts); without it only autovacuum analyses them.
   */
  stepTables?: YoungTableStatistics;
}

export interface RunChainStepInput {
  workflowId: string;
  shopId: string;
  cartId: string;
  campaign: PinnedCampaign;
  stepIndex: number;
  /** When the chain was entered (ms): orders since then end it. */
  enteredAt: number;
  cart: ChainSubject;
  /** When the step fell due (ms, workflow clock); absent from chains scheduled before freshness windows. */
  dueAt?: number;
}

/**
 * One campaign step, decided and done in a single activity so a step costs few history events:
 * re-check every exit and eligibility rule against the database, then send, defer or skip.
 */
export function createRunChainStep(deps: ChainStepDeps) {
  const now = deps.now ?? (() => new Date());
  const defaultDiscounts = createDiscountActivities({ db: deps.db, shopApi: deps.shopApi, now });
  const attemptScheduledAt = deps.attemptScheduledAt ?? (() => activityInfo().currentAttemptScheduledTimestampMs);

  return async function runChainStep(input: RunChainStepInput): Promise<ChainStepResult> {
    const { db } = deps;
    const { shopId, cartId, cart, workflowId } = input;
    // Another shop of the install makes its codes where it says; a removed one stops here.
    const shop = await shopProfileOf(deps.shops, shopId);
    const discounts = shop ? createDiscountActivities({ db, shopApi: shop.shopApi, now }) : defaultDiscounts;
    const campaign = withExperimentDefaults(input.campaign);
    const customerKey = customerKeyOf(cart);
    // The step as this customer's experiment arm has it (template, subject line, incentive).
    const { step, variant, subjectVariant } = effectiveStep(campaign, input.stepIndex, customerKey);
    const arm = holdoutArmOf(campaign, customerKey);
    const isFirst = input.stepIndex === 0;
    const isLast = input.stepIndex === campaign.steps.length - 1;
    const key = sendKey({ shopId, cartId, step: step.id });
    const nowMs = now().getTime();
    // The chain's row as its first step records it (a later step only to repair a missing one).
    const chainEntry = () => ({
      workflowId,
      shopId,
      cartId,
      trigger: campaign.trigger,
      campaignId: campaign.id,
      campaignVersion: campaign.version,
      segment: campaign.segment,
      arm,
      // The holdout is in no step's experiment: it gets none of the emails being compared.
      variants: arm === 'holdout' ? {} : variantsOf(campaign, customerKey),
      currency: cart.currency,
      conversionUntil: new Date(nowMs + conversionWindowMs(campaign, customerKey)),
    });
    // Every rule below is checked against this one read (a single statement): a step used to
    // make about ten round trips before it could decide. The first step's statement also records
    // the chain, unless the re-entry cooldown below turns the customer away.
    const facts = await loadStepFacts(db, {
      shopId,
      cartId,
      workflowId,
      email: cart.customer.email,
      key,
      trigger: campaign.trigger,
      category: categoryOf(campaign.trigger),
      enteredAt: new Date(input.enteredAt),
      sendsSince: new Date(nowMs - WEEK_MS),
      withLastChainEnd: isFirst,
      withLatestCode: step.kind === 'email' && !step.incentive,
      ...(isFirst ? { startChain: { ...chainEntry(), now: nowMs, reentryCooldown: campaign.reentryCooldown } } : {}),
    });
    // A step adds at most one `messages` row (and a first step one `chains` row).
    deps.stepTables?.added(1);
    const customerId = facts.customer?.id ?? null;
    const messageId = messageRowIdFor(key);
    const count = (outcome: StepOutcome, reason?: string) =>
      deps.metrics?.step({ campaign: campaign.id, step: step.id, outcome, ...(reason ? { reason } : {}) });

    // A step that already went out stays sent: re-deciding would count its own email against
    // the frequency cap. (A manager step's key has its own suffix; `sent` here means the customer's.)
    if (facts.messageStatus === 'sent') {
      if (isLast) await recordChainEnd(db, { workflowId, outcome: 'completed' });
      count('already_sent');
      return { status: 'already_sent' };
    }

    if (isFirst && customerId !== null) {
      const reentry = checkReentry({
        now: nowMs,
        lastChainEndedAt: facts.lastOtherChainEnd ?? undefined,
        cooldown: campaign.reentryCooldown,
      });
      if (!reentry.allowed) {
        count('skipped', 'cooldown');
        log.info('chain step skipped', { messageId, cartId, step: step.id, reason: 'cooldown' });
        return { status: 'skipped', reason: 'cooldown', endChain: true };
      }
    }
    // The first step's read recorded the chain; a later one only repairs a missing row.
    if (!facts.chainRecorded && !facts.chainStarted) await recordChainStart(db, { ...chainEntry(), customerId });

    const record = {
      key,
      shopId,
      cartId,
      customerId,
      step: step.id,
      templateId: step.template ?? '-',
      workflowId,
      variant: arm === 'holdout' && step.kind === 'email' ? 'holdout' : (variant ?? null),
      currency: cart.currency,
    };
    const decision = decideSend({
      now: nowMs,
      step,
      policy: campaign,
      facts: {
        ...sendFactsOf(facts, { cart, campaign, policy: deps.consentPolicy ?? 'opt_in' }),
        holdout: arm === 'holdout',
        ...(deps.consentGraceMs ? { awaitConsentUntil: input.enteredAt + deps.consentGraceMs } : {}),
      },
    });
    // Not sending: a dead attempt's claim becomes `unconfirmed` (its email may be out), else `skipped`.
    const recordNotSending = async (reason: string) => {
      const recorded = await recordNotSent(db, { ...record, reason, ...campaignColumns(campaign) });
      const outcome = recorded === 'unconfirmed' ? 'unconfirmed' : 'skipped';
      count(outcome, reason);
      if (outcome === 'unconfirmed')
        log.warn('chain step not sent again: an earlier attempt died after claiming it and may have sent it', {
          messageId,
          cartId,
          step: step.id,
          reason,
        });
    };
    if (decision.action === 'skip') {
      await recordNotSending(decision.reason);
      if (decision.endChain || isLast) await endChain(decision.endChain ? decision.reason : 'completed');
      log.info('chain step skipped', { messageId, cartId, step: step.id, reason: decision.reason });
      return { status: 'skipped', reason: decision.reason, endChain: decision.endChain };
    }

    // Retried past its window (mail server down for a day): record it, never send it late. An exit
    // above still wins, so a bought cart ends its chain as purchased.
    if (
      input.dueAt !== undefined &&
      isExpired({ dueAt: input.dueAt, attemptAt: attemptScheduledAt(), freshFor: campaign.freshFor })
    ) {
      await recordNotSending('expired');
      if (isLast) await endChain('completed');
      log.warn('chain step expired', { messageId, cartId, step: step.id, dueAt: new Date(input.dueAt).toISOString() });
      return { status: 'skipped', reason: 'expired', endChain: false };
    }
    if (decision.action === 'defer') {
      count('deferred', decision.reason);
      log.info('chain step deferred', { messageId, cartId, step: step.id, reason: decision.reason });
      return { status: 'deferred', until: decision.until, reason: decision.reason };
    }

    let status: 'sent' | 'already_sent';
    if (step.kind === 'notify_manager') {
      status = await notifyManager(deps, { key, shopId, cartId, customerId, step, cart, campaign });
    } else {
      const discount = await discountFor(discounts, step, {
        key,
        shopId,
        cartId,
        customerId,
        cart,
        latestCode: facts.latestCode,
      });
      // Prices in the language of the words around them: the template's, not always the customer's.
      const templateLanguage = await templateLanguageFor(deps, {
        templateId: step.template,
        customerLocale: cart.customer.locale,
      });
      status = await deliverEmail(deps, {
        ...record,
        templateId: step.template,
        data: {
          ...buildCartEmailData(cart, { templateLanguage }),
          discount: discount && withAmountIn(discount, cart, templateLanguage),
        },
        to: cart.customer.email,
        ...(input.dueAt === undefined ? {} : { dueAt: input.dueAt }),
        kind: 'marketing',
        recipientRole: 'customer',
        campaign: { id: campaign.id, version: campaign.version, segment: campaign.segment },
        currency: cart.currency,
        analytics: {
          workflowId,
          ...(variant === undefined ? {} : { variant }),
          ...(subjectVariant === undefined ? {} : { subjectVariant }),
          subjectKey: subjectKeyOf({ campaignId: campaign.id, stepId: step.id, customerKey }),
          attributionWindowMs: campaign.attributionWindow,
          attributionTouch: campaign.attributionTouch,
        },
      });
    }
    if (isLast) await endChain('completed');
    count(status);
    return { status };

    async function endChain(outcome: string) {
      await recordChainEnd(db, { workflowId, outcome });
      if (outcome !== 'completed') await discounts.disableDiscountCodes({ shopId, cartId });
    }
  };

  async function discountFor(
    discounts: ReturnType<typeof createDiscountActivities>,
    step: EmailStep,
    input: {
      key: string;
      shopId: string;
      cartId: string;
      customerId: number | null;
      cart: Cart;
      latestCode: LatestCode | null;
    },
  ) {
    // A fixed amount is in the campaign's currency and never converted (as audiences' cartValue):
    // "5 EUR" issued on a yen cart would offer ¥5, on a dinar cart BHD 5.000. Such a cart gets no
    // code, and the email is what its template shows without one (a plain reminder).
    if (step.incentive?.type === 'fixed' && step.incentive.currency !== input.cart.currency) {
      log.info('no discount code: fixed incentive in another currency than the cart', {
        cartId: input.cartId,
        step: step.id,
        incentiveCurrency: step.incentive.currency,
        cartCurrency: input.cart.currency,
      });
      return null;
    }
    // A step with an incentive makes the code; later steps remind of it while it is still unused.
    const issued = step.incentive
      ? await discounts.issueDiscountCode({
          key: input.key,
          shopId: input.shopId,
          cartId: input.cartId,
          customerId: input.customerId,
          customerEmail: input.cart.customer.email,
          ...(input.cart.customer.id ? { shopCustomerId: input.cart.customer.id } : {}),
          currency: input.cart.currency,
          incentive: {
            type: step.incentive.type,
            value: 'value' in step.incentive ? String(step.incentive.value) : '0',
            validForMs: step.incentive.validFor,
          },
        })
      : input.latestCode;
    if (!issued || issued.status !== 'active') return null;
    return discountView(issued, input.cart);
  }
}

/**
 * Chains that started before experiments existed carry campaigns without these settings in their
 * workflow input: they run on as campaigns with no holdout and click attribution; those from before
 * freshness windows get the default one.
 */
function withExperimentDefaults(campaign: PinnedCampaign): Campaign {
  return {
    ...campaign,
    attributionTouch: campaign.attributionTouch ?? 'click',
    experiment: campaign.experiment ?? { holdout: 0, metric: 'orders', minimumDetectableEffect: 10 },
    freshFor: campaign.freshFor ?? DEFAULT_FRESH_FOR_MS,
  };
}

function campaignColumns(campaign: Pick<Campaign, 'id' | 'version' | 'segment'>) {
  return { campaignId: campaign.id, campaignVersion: campaign.version, segment: campaign.segment };
}

/** What templates get as `discount` (see templates/README.md), its amount still a decimal. */
function discountView(code: LatestCode, cart: Cart) {
  const value = String(Number(code.value)); // numeric(12,4) "10.0000" → "10"
  return {
    code: code.code,
    expiresAt: code.expiresAt.toISOString(),
    percentOff: code.type === 'percent' ? value : undefined,
    amountOff: code.type === 'fixed' ? { amount: value, currency: code.currency ?? cart.currency } : undefined,
    freeShipping: code.type === 'free_shipping',
  };
}

/** The discount with its amount formatted as the email's prices are (`buildCartEmailData`). */
function withAmountIn(discount: ReturnType<typeof discountView>, cart: Cart, templateLanguage: string) {
  const { amountOff } = discount;
  const locale = cartMoneyLocale(cart, templateLanguage);
  return { ...discount, amountOff: amountOff && formatMoney({ ...amountOff, locale }) };
}
