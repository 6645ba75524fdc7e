import type { Db } from '../db/client';
import { type PersonInput, type TableAction, eraseRowsOf, holdsPerson, normaliseEmail } from '../db/person-store';
import type { SentCopies } from '../mail/outbox-files';
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
export async function erasePerson(deps: ErasePersonDeps, input: PersonInput): Promise<EraseResult> {
  const person = { shopId: input.shopId, email: normaliseEmail(input.email) };
  if (!(await holdsPerson(deps.db, person))) return { found: false };
  const workflowsStopped = deps.chains ? await deps.chains.stopChainsOf({ ...person, reason: 'erased' }) : null;
  const { tables, messageIdHeaders } = await eraseRowsOf(deps.db, person);
  if (!deps.sentCopies) return { found: true, workflowsStopped, tables };
  // After the rows: a failure here leaves files to delete by hand, never rows that name the person.
  const files = await deps.sentCopies.eraseMessages(messageIdHeaders);
  return { found: true, workflowsStopped, tables: { ...tables, outbox_files: { action: 'deleted', rows: files } } };
}

export interface ErasePersonDeps {
  db: Db;
  chains?: ChainStopper;
  /** The .eml copies `npm start`'s SMTP sink keeps (no SMTP_URL): they hold the address and name. */
  sentCopies?: SentCopies;
}
