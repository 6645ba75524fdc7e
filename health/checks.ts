import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { migrationStatus } from '../db/migration-status';

/** Resolves (optionally with a short detail) when the dependency answers; throws when it does not. */
export type HealthCheck = () => Promise<string | void>;

export type CheckResult =
  { status: 'ok'; ms: number; detail?: string } | { status: 'failing'; ms: number; error: string };

export interface ReadinessReport {
  status: 'ok' | 'unavailable';
  /** The checks that failed, by name (empty when ready). */
  failing: string[];
  checks: Record<string, CheckResult>;
}

/** A failure whose message is safe to show to whoever can reach /readyz (no hosts, no credentials). */
export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

/** The default bound of each check: a probe must answer well inside a load balancer's timeout. */
export const CHECK_TIMEOUT_MS = 2_000;

/**
 * Runs every check at once, each bounded by `timeoutMs`. The answer names what failed and how
 * (a timeout, an error code), never an error's message: drivers put hosts and users in those.
 */
export async function runChecks(
  checks: Record<string, HealthCheck>,
  {
    timeoutMs = CHECK_TIMEOUT_MS,
    onFailure,
  }: { timeoutMs?: number; onFailure?: (name: string, error: unknown) => void },
): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      try {
        const detail = await withTimeout(check(), timeoutMs);
        return [name, { status: 'ok', ms: ms(), ...(detail ? { detail } : {}) }];
      } catch (error) {
        onFailure?.(name, error);
        return [name, { status: 'failing', ms: ms(), error: publicReason(error, timeoutMs) }];
      }
    }),
  );
  const failing = entries.filter(([, result]) => result.status === 'failing').map(([name]) => name);
  return { status: failing.length === 0 ? 'ok' : 'unavailable', failing, checks: Object.fromEntries(entries) };
}

class CheckTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout()), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function publicReason(error: unknown, timeoutMs: number): string {
  if (error instanceof CheckTimeout) return `no answer within ${timeoutMs} ms`;
  if (error instanceof CheckFailure) return error.message;
  const code = (error as { code?: unknown } | undefined)?.code;
  // postgres (ECONNREFUSED, 28P01…), nodemailer (ESOCKET, EAUTH…), gRPC status numbers (14 = unavailable).
  if (typeof code === 'string' && /^[A-Z0-9_]{2,32}$/.test(code)) return `failed (${code})`;
  if (typeof code === 'number') return `failed (gRPC status ${code})`;
  return 'failed';
}

/** Postgres answers a query. */
export function databaseCheck(db: Db): HealthCheck {
  return async () => {
    await db.execute(sql`select 1`);
  };
}

/** Every migration this code ships is applied (drizzle.__drizzle_migrations against the journal). */
export function migrationsCheck(db: Db): HealthCheck {
  return async () => {
    const { known, pending } = await migrationStatus(db);
    if (pending > 0) throw new CheckFailure(`${pending} of ${known} migrations not applied (run npm run migrate)`);
    return `${known} applied`;
  };
}

/** What both Temporal connections (the client's and the worker's native one) offer. */
export interface TemporalConnectionLike {
  workflowService: { describeNamespace(request: { namespace: string }): Promise<unknown> };
  operatorService: {
    listSearchAttributes(request: { namespace: string }): Promise<{ customAttributes?: Record<string, number> | null }>;
  };
  withDeadline<T>(deadline: number, fn: () => Promise<T>): Promise<T>;
}

/** A search attribute the workflows set, as `defineSearchAttributeKey` gives it (type `KEYWORD`, …). */
export interface RequiredSearchAttribute {
  name: string;
  type: string;
}

/**
 * Temporal's frontend answers for the namespace, and the namespace has the search attributes
 * cartflow's workflows are started with: without them Temporal refuses every start, so webhooks
 * would be accepted and never become emails. Its gRPC deadline is inside the check's timeout, so a
 * retrying client gives up by itself instead of in the background.
 */
export function temporalCheck({
  connection,
  namespace,
  searchAttributes,
  deadlineMs = CHECK_TIMEOUT_MS - 500,
}: {
  connection: TemporalConnectionLike;
  namespace: string;
  searchAttributes: readonly RequiredSearchAttribute[];
  deadlineMs?: number;
}): HealthCheck {
  return async () => {
    const { customAttributes } = await connection.withDeadline(Date.now() + deadlineMs, async () => {
      await connection.workflowService.describeNamespace({ namespace });
      return connection.operatorService.listSearchAttributes({ namespace });
    });
    const { temporal } = (await import('@temporalio/proto')).default;
    const typeName = (value: number | undefined) =>
      value === undefined
        ? undefined
        : String(temporal.api.enums.v1.IndexedValueType[value]).replace(/^INDEXED_VALUE_TYPE_/, '');
    const wrong = searchAttributes.filter(({ name, type }) => typeName(customAttributes?.[name]) !== type);
    if (wrong.length === 0) return;
    const missing = wrong.filter(({ name }) => customAttributes?.[name] === undefined);
    const mistyped = wrong.filter(({ name }) => customAttributes?.[name] !== undefined);
    const reasons = [
      ...(missing.length > 0 ? [`lacks the search attributes ${missing.map(({ name }) => name).join(', ')}`] : []),
      ...mistyped.map(({ name, type }) => `has ${name} as ${typeName(customAttributes?.[name])}, not ${type}`),
    ];
    throw new CheckFailure(
      `namespace ${namespace} ${reasons.join(' and ')}: Temporal refuses cartflow's workflows until they exist ` +
        `(temporal operator search-attribute create --type Keyword --name …, see docs/production.md)`,
    );
  };
}

/** The SMTP server greets and accepts the login (nodemailer's verify: connect, EHLO, AUTH, QUIT). */
export function smtpCheck(mailer: { verify(): Promise<void> }): HealthCheck {
  return () => mailer.verify();
}
