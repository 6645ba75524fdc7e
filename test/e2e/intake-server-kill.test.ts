import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cartWorkflowId } from '../../domain/ids';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess } from '../fixtures/worker-process';
import { type DeliveryStack, startDeliveryStack } from '../helpers/delivery-stack';
import { eventually } from '../helpers/eventually';
import { faultCart, mailsPerRecipient, postOverSocket, storedState } from '../helpers/intake-load';
import { startTestWorker, type TestWorker } from '../helpers/test-worker';

// Fault injection: the HTTP server process is SIGKILLed after it committed an event and before the
// shop got the answer (test/fixtures/intake-server.ts). The shop saw no answer, so it sends the same
// event id again to the restarted server: that is a duplicate, not a second delivery, and the event
// the dead process committed still reaches its workflow through the outbox.
const shopId = 'shop-intake-kill';
const taskQueue = `intake-kill-${randomUUID()}`;
const CASE_TIMEOUT_MS = 180_000;

let stack: DeliveryStack;
let worker: TestWorker;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  stack = await startDeliveryStack();
  worker = await startTestWorker({ taskQueue, deps: stack.deps });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
}, CASE_TIMEOUT_MS);

afterAll(async () => {
  await killWorkerProcesses();
  await worker?.shutdown();
  await connection?.close();
  await stack?.close();
});

async function startIntakeServer(): Promise<{ process: WorkerProcess; url: string }> {
  const child = startWorkerProcess(
    {
      DATABASE_URL: stack.database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      SHOP_ID: shopId,
    },
    { script: 'test/fixtures/intake-server.ts' },
  );
  const line = await child.waitForLine(/^LISTENING /);
  return { process: child, url: line.slice('LISTENING '.length) };
}

describe('the HTTP server is killed between commit and answer', () => {
  it(
    "the shop's retry of the same event id is a duplicate; the event is delivered once and its cart gets one email",
    async () => {
      const first = await startIntakeServer();
      const others = Array.from({ length: 4 }, () => faultCart('kill'));
      const answers = await Promise.all(others.map((cart) => postOverSocket(first.url, cart)));
      expect(answers.map((answer) => answer.status)).toEqual(others.map(() => 202));

      const victim = faultCart('victim');
      const cut = await postOverSocket(first.url, victim, { 'x-test-die-after-commit': '1' });
      expect(cut.status).toBe('no_answer');
      expect(await first.process.exited).toMatchObject({ signal: 'SIGKILL' });
      // Committed before the process died, though the shop never heard so.
      expect((await storedState(stack.database.sql, [victim])).stored).toBe(1);

      const second = await startIntakeServer();
      const retry = await postOverSocket(second.url, victim);
      expect(retry.status).toBe(200);

      const carts = [...others, victim];
      await stack.smtp.waitFor(carts.length, 120_000);
      await eventually(async () => {
        expect(await storedState(stack.database.sql, carts)).toEqual({
          stored: carts.length,
          undelivered: 0,
          sent: carts.length,
        });
      }, 60_000);
      expect(mailsPerRecipient(stack.smtp, carts)).toEqual(carts.map(() => 1));
      expect(stack.smtp.messages).toHaveLength(carts.length);
      // The victim's workflow started once, from the outbox, and the retry signalled nothing.
      const history = await client.workflow
        .getHandle(cartWorkflowId({ shopId, cartId: victim.data.id }))
        .fetchHistory();
      const started = history.events?.filter((event) => event.workflowExecutionStartedEventAttributes) ?? [];
      const signals = history.events?.filter((event) => event.workflowExecutionSignaledEventAttributes) ?? [];
      expect([started.length, signals.length]).toEqual([1, 0]);
      await second.process.stop();
    },
    CASE_TIMEOUT_MS,
  );
});
