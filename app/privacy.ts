import type { Db } from '../db/client';
import { type PersonInput, type TableAction, eraseRowsOf, holdsPerson, normaliseEmail } from '../db/person-store';
import type { ChainStopper } from './chain-stopper';

export {
  type ExportResult,
  type PersonExport,
  type PersonInput,
  type TableAction,
  exportPerson,
  normaliseEmail,
} from '../db/person-store';

export type EraseResult =
  | { found: false }
  | {
      found: true;
      /** Workflow ids told to stop, or null when no Temporal client was given. */
      workflowsStopped: string[] | null;
      tables: Record<string, TableAction>;
    };

/**
 * GDPR erasure (art. 17): stops the person's running workflows first (so no step emails them
 * again, and none is left holding the address), then erases their rows (db/person-store.ts).
 */
export async function erasePerson(deps: { db: Db; chains?: ChainStopper }, input: PersonInput): Promise<EraseResult> {
  const person = { shopId: input.shopId, email: normaliseEmail(input.email) };
  if (!(await holdsPerson(deps.db, person))) return { found: false };
  const workflowsStopped = deps.chains ? await deps.chains.stopChainsOf({ ...person, reason: 'erased' }) : null;
  const tables = await eraseRowsOf(deps.db, person);
  return { found: true, workflowsStopped, tables };
}
