import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subjectKeyOf } from '../../domain/experiments';
import { cartWorkflowId } from '../../domain/ids';
import { pickVariant } from '../../domain/subject-variant';
import { cartUpdatedEvent, orderPlacedEvent, signedRequest } from '../helpers/cart-events';
import { fastConsumerCampaign } from '../helpers/campaigns';
import { type E2eStack, startE2eStack } from '../helpers/e2e-stack';
import { scheduledActivities } from '../helpers/workflow-history';

// Every component is real: the HTTP server on a port, the Temporal dev server (Temporal CLI),
// PostgreSQL and an SMTP server. The inactivity delay is shortened to 2 s to run in real time.
const ABANDON_AFTER_MS = 2_000;
// The shipped consumer chain's templates with delays of seconds: reminder, code, last chance.
const e2eCampaign = fastConsumerCampaign({ incentive: 'cart-incentive', lastChance: 'cart-last-chance' });
const shopId = 'shop-e2e';
let stack: E2eStack;

beforeAll(async () => {
  stack = await startE2eStack({
    name: 'e2e',
    shopId,
    campaigns: [e2eCampaign],
    abandonAfterMs: ABANDON_AFTER_MS,
  });
});

afterAll(() => stack?.close());

beforeEach(() => {
  stack.smtp.messages.length = 0;
});

const postWebhook = (event: unknown) => fetch(`${stack.url}/webhooks/cart`, signedRequest(event));

describe('abandoned cart, end to end', () => {
  it('a signed webhook becomes the three emails of the chain, each exactly once', async () => {
    const event = cartUpdatedEvent({ customer: { email: 'grace@example.com', name: 'Grace' } });
    const response = await postWebhook(event);
    expect(response.status).toBe(202);
    // The shop's retry of the same delivery changes nothing.
    expect((await postWebhook(event)).status).toBe(200);

    const [reminder, incentive, lastChance] = await stack.smtp.waitFor(3, 45_000);
    // The reminder has two subject lines (an A/B test); a hash of campaign, step and customer picks one.
    const subjectKey = subjectKeyOf({
      campaignId: e2eCampaign.id,
      stepId: 'reminder',
      customerKey: 'grace@example.com',
    });
    const subjects = ['Grace, your cart is waiting', 'Grace, still thinking it over? 3 items saved'];
    expect(reminder?.subject).toBe(subjects[pickVariant({ key: subjectKey, count: subjects.length })]);
    expect(reminder?.to && 'text' in reminder.to ? reminder.to.text : '').toBe('grace@example.com');
    expect(reminder?.from?.text).toBe('"Cartflow Shop" <shop@mail.example.com>');
    const html = String(reminder?.html).replaceAll('&#x3D;', '=');
    expect(html).toContain('Organic cotton T-shirt');
    expect(html).toContain('Enamel mug');
    expect(html).toContain('€19.90');
    expect(html).toContain('€39.80'); // 2 × 19.90
    expect(html).toContain('€52.30');
    expect(html).toContain('https://shop.example.com/cart/recover?token=t0k3n');
    expect(reminder?.text).toContain('Organic cotton T-shirt');
    expect(reminder?.text).toContain('https://shop.example.com/cart/recover?token=t0k3n');

    // The second email carries a fresh single-use code; the last chance reminds of the same one.
    const [code] = await stack.database.sql`select code, status from discount_codes where cart_id = ${event.data.id}`;
    expect(code?.status).toBe('active');
    expect(reminder?.text).not.toContain(code?.code);
    expect(incentive?.text).toContain(code?.code);
    expect(lastChance?.text).toContain(code?.code);

    const workflowId = cartWorkflowId({ shopId, cartId: event.data.id });
    const handle = stack.client.workflow.getHandle(workflowId);
    expect(await handle.result()).toBe('completed');
    // The closed workflow ran three steps, each once (a step returns after SMTP accepted its email).
    expect(await scheduledActivities(handle)).toEqual(['runChainStep', 'runChainStep', 'runChainStep']);
    expect(stack.smtp.messages).toHaveLength(3);
    const rows = await stack.database.sql`select step, status, campaign_id, campaign_version, segment, kind
      from messages where cart_id = ${event.data.id} order by created_at`;
    expect(rows).toEqual(
      ['reminder', 'incentive', 'last-chance'].map((step) => ({
        step,
        status: 'sent',
        campaign_id: 'consumer',
        campaign_version: 3,
        segment: 'consumer',
        kind: 'marketing',
      })),
    );
    const [chain] = await stack.database.sql`select status, outcome from chains where workflow_id = ${workflowId}`;
    expect(chain).toEqual({ status: 'finished', outcome: 'completed' });
    const [stored] = await stack.database
      .sql`select count(*)::int as n from cart_events where cart_id = ${event.data.id}`;
    expect(stored?.n).toBe(1);
  });

  it('an order before the delay means no email at all', async () => {
    const event = cartUpdatedEvent();
    expect((await postWebhook(event)).status).toBe(202);
    expect((await postWebhook(orderPlacedEvent({ cartId: event.data.id }))).status).toBe(202);
    // The webhooks only stored the events: the workflow exists once the relay has delivered them.
    await stack.relay.drain();
    const handle = stack.client.workflow.getHandle(cartWorkflowId({ shopId, cartId: event.data.id }));
    expect(await handle.result()).toBe('purchased');
    // The workflow is closed without having run a step: no email can come from it, now or later.
    expect(await scheduledActivities(handle)).toEqual([]);
    expect(stack.smtp.messages).toHaveLength(0);
    const rows = await stack.database.sql`select step from messages where cart_id = ${event.data.id}`;
    expect(rows).toEqual([]);
  });
});
