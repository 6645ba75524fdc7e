import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cartWorkflowId } from '../../domain/ids';
import { cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { type E2eStack, startE2eStack } from '../helpers/e2e-stack';
import { listUnsubscribeOf, oneClickRequest } from '../helpers/unsubscribe-links';
import { scheduledActivities } from '../helpers/workflow-history';

// The RFC 8058 test, every component real: HTTP server on a port, Temporal dev server,
// PostgreSQL, SMTP. Emails link to https://cartflow.example.com, the way a reverse proxy in front
// of cartflow would be addressed; the test sends the same path to the local server.
const PUBLIC_BASE_URL = 'https://cartflow.example.com';
const TRACKING_SECRET = 'one-click-test-secret-0123456789abcdef';
const ABANDON_AFTER_MS = 1_000;
const SECOND_STEP_DELAY_S = 4;
const campaign = consumerCampaign({
  frequency: { minGap: '1s', maxPer7Days: 10, maxDeferral: '1h' },
  steps: [
    { id: 'reminder', delay: '0s', template: 'cart-reminder' },
    { id: 'incentive', delay: `${SECOND_STEP_DELAY_S}s`, template: 'cart-incentive' },
    { id: 'last-chance', delay: '4s', template: 'cart-last-chance' },
  ],
});
const shopId = 'shop-one-click';
let stack: E2eStack;

beforeAll(async () => {
  stack = await startE2eStack({
    name: 'one-click',
    shopId,
    campaigns: [campaign],
    abandonAfterMs: ABANDON_AFTER_MS,
    config: { trackingSecret: TRACKING_SECRET },
    links: {
      secret: TRACKING_SECRET,
      baseUrl: PUBLIC_BASE_URL,
      trackOpens: true,
      trackClicks: true,
      linkTtlMs: 365 * 86_400_000,
      unsubscribeTtlMs: 730 * 86_400_000,
      unsubscribeMailto: 'unsubscribe@mail.example.com',
    },
  });
});

afterAll(() => stack?.close());

/** What the reverse proxy does: the public https URL's path, on the local server. */
const local = (publicUrl: string) => `${stack.url}${new URL(publicUrl).pathname}`;

describe('RFC 8058 one-click unsubscribe, end to end', () => {
  it('the header link unsubscribes on POST (not on GET), and the running chain sends nothing more', async () => {
    const email = `one-click-${randomUUID().slice(0, 8)}@example.com`;
    const event = cartUpdatedEvent({ customer: { email, name: 'Ola' } });
    expect((await fetch(`${stack.url}/webhooks/cart`, signedRequest(event))).status).toBe(202);
    const [reminder] = await stack.smtp.waitFor(1, 20_000);

    const header = listUnsubscribeOf(reminder);
    expect(header.https).toMatch(/^https:\/\/cartflow\.example\.com\/u\/[A-Z2-7]{60}$/);
    expect(header.mailto).toMatch(/^mailto:unsubscribe@mail\.example\.com\?subject=unsubscribe%20/);
    expect(header.post).toBe('List-Unsubscribe=One-Click');
    // The footer link is the same signed URL, untracked.
    expect(String(reminder?.html)).toContain(header.https);

    const url = local(header.https as string);
    const suppressed = () => stack.database.sql`select reason, source from suppressions where email = ${email}`;
    const scanned = await fetch(url);
    expect(scanned.status).toBe(200);
    expect(await scanned.text()).toContain('Unsubscribe from all marketing email');
    expect(await suppressed()).toEqual([]);

    const response = await fetch(url, oneClickRequest);
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain('unsubscribed');
    expect(await suppressed()).toEqual([{ reason: 'unsubscribed', source: 'one_click' }]);
    // Providers may retry: a second POST is answered the same and changes nothing.
    expect((await fetch(url, oneClickRequest)).status).toBe(200);
    expect(await suppressed()).toHaveLength(1);

    const workflowId = cartWorkflowId({ shopId, cartId: event.data.id });
    const handle = stack.client.workflow.getHandle(workflowId);
    expect(await handle.result()).toBe('stopped');
    const [chain] = await stack.database.sql`select status, outcome from chains where workflow_id = ${workflowId}`;
    expect(chain).toEqual({ status: 'finished', outcome: 'stopped' });
    // The chain closed after its first step (then recorded its end): the second step never runs,
    // so there is still the one email, now and later.
    expect(await scheduledActivities(handle)).toEqual(['runChainStep', 'finishChain']);
    expect(stack.smtp.messages).toHaveLength(1);
    const rows = await stack.database.sql`select step, status from messages where cart_id = ${event.data.id}`;
    expect(rows).toEqual([{ step: 'reminder', status: 'sent' }]);
  });
});
