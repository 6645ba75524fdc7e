import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '../db/client';
import { Campaign } from '../domain/campaign';
import { createCartWorkflows } from '../server/cart-workflows';
import { requiredBenchVariable } from './bench-env';

/**
 * What a child process of `npm run bench:intake` (the relay process, the server processes) opens
 * from the variables the bench passes it: the database, Temporal, and the cart workflows with the
 * bench's campaign (CAMPAIGN, as JSON) on its task queue.
 */
export async function openIntakeChild(script: string) {
  const required = (name: string) => requiredBenchVariable(name, script);
  const database = await openDatabase({ url: required('DATABASE_URL') });
  const connection = await Connection.connect({ address: required('TEMPORAL_ADDRESS') });
  const workflows = createCartWorkflows({
    client: new Client({ connection }),
    taskQueue: required('TASK_QUEUE'),
    abandonAfterMs: 3_600_000,
    campaigns: [Campaign.parse(JSON.parse(required('CAMPAIGN')))],
  });
  return { database, connection, workflows };
}
