import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cartWorkflowId } from '../../domain/ids';
import { CART_SEARCH_ATTRIBUTES as KEYS } from '../../workflows/definitions';
import { startTimeSkippingWorkflows } from '../helpers/time-skipping-workflows';
import { cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';
import { consumerCampaign } from '../helpers/campaigns';
import { HARNESS_SHOP_ID, createChainHarness } from '../helpers/chain-harness';
import { eventually } from '../helpers/eventually';
import { scheduledActivities } from '../helpers/workflow-history';

// What operators see in `temporal workflow list`, and what it costs in history events: a run
// carries one patch marker (and the SDK's one TemporalChangeVersion upsert), then one upsert per
// step change and one for how it ended. Day-long chains: the Java time-skipping server.
const HOUR = 3_600_000;
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  [env, bundle] = await startTimeSkippingWorkflows();
});
afterAll(async () => {
  await env?.teardown();
});

const harness = () => createChainHarness({ env, bundle, campaigns: [consumerCampaign()], abandonAfterMs: HOUR });
const handleFor = (cartId: string) =>
  env.client.workflow.getHandle(cartWorkflowId({ shopId: HARNESS_SHOP_ID, cartId }));

async function attributes(handle: WorkflowHandle) {
  const found = (await handle.describe()).typedSearchAttributes;
  return {
    status: found.get(KEYS.status),
    step: found.get(KEYS.step),
    campaign: found.get(KEYS.campaign),
    segment: found.get(KEYS.segment),
    shop: found.get(KEYS.shop),
  };
}

/** Patch markers, the activities run (each local one is a marker too) and upserts, from the run's history. */
async function historyCost(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  const markers = events.flatMap((event) =>
    event.markerRecordedEventAttributes?.markerName === 'core_patch' ? [event.eventId] : [],
  );
  const upserts = events.flatMap((event) => {
    const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    return fields ? [Object.keys(fields).sort().join('+')] : [];
  });
  return { events: events.length, markers: markers.length, activities: await scheduledActivities(handle), upserts };
}

describe('search attributes of a cart chain (time-skipping server)', () => {
  it('a complete chain shows each next step while it runs and `completed` at the end, with one patch marker', async () => {
    const { worker, steps, deliver } = await harness();
    const cartId = `sa-${randomUUID()}`;
    const handle = handleFor(cartId);
    await worker.runUntil(async () => {
      await deliver(cartUpdatedEvent({ cartId, updatedAt: new Date(await env.currentTimeMs()).toISOString() }));
      expect(await attributes(handle)).toEqual({
        status: 'active',
        step: 'reminder',
        campaign: 'consumer@3',
        segment: 'consumer',
        shop: HARNESS_SHOP_ID,
      });
      await env.sleep(3 * HOUR); // abandonment (1 h) + the reminder's delay (1 h): the reminder is out
      await eventually(async () => {
        expect(steps).toHaveLength(1);
        expect(await attributes(handle)).toMatchObject({ status: 'active', step: 'incentive' });
      });
      expect(await handle.result()).toBe('completed');
    });
    expect(await attributes(handle)).toEqual({
      status: 'completed',
      step: 'last-chance', // a completed chain keeps its last step
      campaign: 'consumer@3',
      segment: 'consumer',
      shop: HARNESS_SHOP_ID,
    });
    // The steps run as local activities: one marker each instead of an activity task and a second
    // workflow task (43 events when they were scheduled through the server).
    expect(await historyCost(handle)).toEqual({
      events: 28,
      markers: 1,
      activities: ['runChainStep', 'runChainStep', 'runChainStep'],
      upserts: ['TemporalChangeVersion', 'CartflowStep', 'CartflowStep', 'CartflowStatus'],
    });
  });

  it('a chain ended by an order after the first email says `purchased`, with one patch marker', async () => {
    const { worker, steps, deliver } = await harness();
    const cartId = `sa-${randomUUID()}`;
    const handle = handleFor(cartId);
    await worker.runUntil(async () => {
      await deliver(cartUpdatedEvent({ cartId, updatedAt: new Date(await env.currentTimeMs()).toISOString() }));
      await env.sleep(3 * HOUR);
      await eventually(() => expect(steps).toHaveLength(1));
      await deliver(orderPlacedEvent({ cartId }));
      expect(await handle.result()).toBe('purchased');
    });
    expect(await attributes(handle)).toMatchObject({
      status: 'purchased',
      campaign: 'consumer@3',
      segment: 'consumer',
    });
    const cost = await historyCost(handle);
    expect(cost.markers).toBe(1);
    expect(cost.activities).toEqual(['runChainStep', 'finishChain']);
    expect(cost.upserts).toEqual(['TemporalChangeVersion', 'CartflowStep', 'CartflowStatus']);
  });
});
