import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncryptionCodec } from '../../codec/encryption-codec';
import { cartWorkflowId } from '../../domain/ids';
import { cartStateQuery } from '../../workflows/definitions';
import { consumerCampaign } from '../helpers/campaigns';
import { cartUpdatedEvent, signedRequest } from '../helpers/cart-events';
import { type E2eStack, startE2eStack } from '../helpers/e2e-stack';

// A real worker and client with the encryption codec on the Temporal dev server, Postgres and
// SMTP; the history is then read by a client without the codec, the way anyone with access to
// the Temporal server (or its database) would see it.
const shopId = `shop-codec-${randomUUID().slice(0, 8)}`;
const ADMIN_TOKEN = 'admin-token-for-codec-tests-0123456789';
const UI_ORIGIN = 'http://localhost:8233';
const k1 = `k1:${randomBytes(32).toString('base64')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;
const codec = createEncryptionCodec(k1);
const campaign = consumerCampaign({
  frequency: { minGap: '1s', maxPer7Days: 10, maxDeferral: '1h' },
  steps: [{ id: 'reminder', delay: '1s', template: 'cart-reminder' }],
});
const email = `cipher.${randomUUID().slice(0, 8)}@example.com`;

let stack: E2eStack;
let codecClient: Client;
let plainClient: Client;
let workflowId: string;

beforeAll(async () => {
  stack = await startE2eStack({
    name: 'codec',
    shopId,
    campaigns: [campaign],
    abandonAfterMs: 1_000,
    config: { adminToken: ADMIN_TOKEN, codecCorsOrigin: UI_ORIGIN },
    payloadCodec: codec,
  });
  codecClient = stack.client;
  plainClient = new Client({ connection: stack.connection });

  const event = cartUpdatedEvent({ customer: { email, name: 'Cipher' } });
  workflowId = cartWorkflowId({ shopId, cartId: event.data.id });
  expect((await stack.app.request('/webhooks/cart', signedRequest(event))).status).toBe(202);
  await stack.relay.drain(); // the outbox hands the event to Temporal
});

afterAll(() => stack?.close());

/**
 * Every Payload message anywhere in a decoded history, except search attributes and patch markers:
 * Temporal must read those itself, so no codec touches them (cartflow's search attributes hold
 * campaign, segment, step and status only; a patch marker holds the patch's name).
 */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return found;
  const candidate = value as Payload;
  if (candidate.metadata && typeof candidate.metadata === 'object' && 'encoding' in candidate.metadata) {
    found.push(candidate);
    return found;
  }
  // Markers the core SDK writes for itself: a patch's id, and a local activity's bookkeeping (its
  // type, attempt and times) in `data`. A local activity's result is the workflow's data: checked.
  const markerName = (value as { markerName?: string }).markerName;
  if (markerName === 'core_patch') return found;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'searchAttributes') continue;
    if (markerName === 'core_local_activity' && key === 'details') {
      const { data: _coreBookkeeping, ...workflowData } = child as Record<string, unknown>;
      payloadsIn(workflowData, found);
      continue;
    }
    payloadsIn(child, found);
  }
  return found;
}

// The tests read the JSON bodies a client would see; their shape is what the assertions check.
const readJson = (response: Response): Promise<any> => response.json();
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString();
const toJson = ({ metadata, data }: Payload) => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
});

describe('payload encryption, end to end', () => {
  it('runs the chain with the codec while Temporal history holds no plaintext', async () => {
    const handle = codecClient.workflow.getHandle(workflowId);
    expect(await handle.query(cartStateQuery)).toMatchObject({
      phase: 'waiting_for_inactivity',
      // Two lines: two T-shirts and a mug.
      itemCount: 3,
      lineCount: 2,
    });
    expect(await handle.result()).toBe('completed');
    const [reminder] = await stack.smtp.waitFor(1, 30_000);
    expect(reminder?.to && 'text' in reminder.to ? reminder.to.text : '').toBe(email);

    const history = await plainClient.workflow.getHandle(workflowId).fetchHistory();
    const raw = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
    expect(raw.includes(Buffer.from('Organic cotton T-shirt'))).toBe(false);
    expect(raw.includes(Buffer.from(email))).toBe(false);
    const payloads = payloadsIn(history);
    // Start input, the steps' results (a local activity's input never reaches the history), the
    // workflow result: all of them ciphertext.
    const stepResults = (history.events ?? []).flatMap((event) => {
      const marker = event.markerRecordedEventAttributes;
      return marker?.markerName === 'core_local_activity' ? (marker.details?.result?.payloads ?? []) : [];
    });
    expect(stepResults.length).toBeGreaterThanOrEqual(1);
    expect(payloads).toEqual(expect.arrayContaining(stepResults));
    expect(payloads.length).toBeGreaterThanOrEqual(3);
    for (const payload of payloads) {
      expect(text(payload.metadata?.encoding), JSON.stringify(toJson(payload))).toBe('binary/encrypted');
      expect(text(payload.metadata?.['encryption-key-id'])).toBe('k1');
    }
    await expect(plainClient.workflow.getHandle(workflowId).result()).rejects.toThrow();
  });

  it('still reads k1 history after rotating to k2,k1, and names the key when k1 is gone', async () => {
    const rotated = new Client({
      connection: stack.connection,
      dataConverter: { payloadCodecs: [createEncryptionCodec(`${k2},${k1}`)] },
    });
    expect(await rotated.workflow.getHandle(workflowId).result()).toBe('completed');
    const [encoded] = await createEncryptionCodec(`${k2},${k1}`).encode([{ metadata: {}, data: Buffer.from('x') }]);
    expect(text(encoded?.metadata?.['encryption-key-id'])).toBe('k2');
    const withoutK1 = new Client({
      connection: stack.connection,
      dataConverter: { payloadCodecs: [createEncryptionCodec(k2)] },
    });
    await expect(withoutK1.workflow.getHandle(workflowId).result()).rejects.toThrow(/key "k1".*not in PAYLOAD_KEYS/);
  });

  describe('the codec endpoint for the Temporal UI', () => {
    const post = (path: string, body: unknown, headers: Record<string, string>) =>
      stack.app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: UI_ORIGIN, 'x-namespace': 'default', ...headers },
        body: JSON.stringify(body),
      });
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const startInput = async () => {
      const history = await plainClient.workflow.getHandle(workflowId).fetchHistory();
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      return started!.input!.payloads![0]!;
    };

    it('decodes a history payload into plaintext for an authorized request, with CORS for the UI', async () => {
      const response = await post('/codec/decode', { payloads: [toJson(await startInput())] }, auth);
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      const { payloads } = await readJson(response);
      expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
      const input = JSON.parse(Buffer.from(payloads[0].data, 'base64').toString());
      expect(input.firstCart.customer.email).toBe(email);
    });

    it('encodes what the UI sends (a signal input) so the codec decodes it back', async () => {
      const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: 'eyJhIjoxfQ==' };
      const encoded = await post('/codec/encode', { payloads: [plain] }, auth);
      expect(encoded.status).toBe(200);
      const { payloads } = await readJson(encoded);
      expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
      const decoded = await post('/codec/decode', { payloads }, auth);
      expect((await readJson(decoded)).payloads).toEqual([plain]);
    });

    it('answers the browser preflight without a token', async () => {
      const response = await stack.app.request('/codec/decode', {
        method: 'OPTIONS',
        headers: {
          origin: UI_ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type,Authorization,X-Namespace');
    });

    it('refuses a missing or wrong token (401, readable by the UI) and names bad input (400)', async () => {
      for (const headers of <Array<Record<string, string>>>[
        {},
        { authorization: 'Bearer not-the-admin-token-0123456789' },
      ]) {
        const response = await post('/codec/decode', { payloads: [toJson(await startInput())] }, headers);
        expect(response.status).toBe(401);
        expect(response.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
        expect(JSON.stringify(await readJson(response))).not.toContain(email);
      }
      const bad = await post('/codec/decode', { payloads: [{ data: 'not base64!' }] }, auth);
      expect(bad.status).toBe(400);
      expect((await readJson(bad)).message).toBe('payloads.0.data: must be base64');
      const foreign = (await createEncryptionCodec(k2).encode([{ metadata: {}, data: Buffer.from('x') }]))[0]!;
      const unknownKey = await post('/codec/decode', { payloads: [toJson(foreign)] }, auth);
      expect(unknownKey.status).toBe(400);
      expect((await readJson(unknownKey)).message).toMatch(/key "k2", which is not in PAYLOAD_KEYS/);
    });
  });
});
