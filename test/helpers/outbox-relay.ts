import pino from 'pino';
import type { Db } from '../../db/client';
import { countUndelivered } from '../../db/outbox-store';
import type { CartWorkflows } from '../../server/cart-workflows';
import { createOutboxRelay } from '../../server/outbox-relay';

/**
 * An outbox relay the test holds, to pass to `createApp({ relay })`. A webhook only stores its
 * event; a test that then looks at Temporal (a workflow's history, a stop signal, an erase) calls
 * `deliver()` first, as a server's running relay would have delivered it by then.
 */
export function createTestRelay({ db, workflows }: { db: Db; workflows: CartWorkflows }) {
  const relay = createOutboxRelay({ db, workflows, logger: pino({ level: 'silent' }) });
  return {
    wake: () => relay.wake(),
    /** Delivers every stored event to Temporal now; throws, saying how many, if any could not be. */
    async deliver(): Promise<void> {
      await relay.drain();
      const left = await countUndelivered(db);
      if (left > 0) throw new Error(`the outbox relay could not deliver ${left} stored webhook event(s) to Temporal`);
    },
  };
}
