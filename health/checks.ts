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
  withDeadline<T>(deadline: number, fn: () => Promise<T>): Promise<T>;
}

/**
 * Temporal's frontend answers for the namespace (a cheap DescribeNamespace). Its gRPC deadline is
 * inside the check's timeout, so a retrying client gives up by itself instead of in the background.
 */
export function temporalCheck({
  connection,
  namespace,
  deadlineMs = CHECK_TIMEOUT_MS - 500,
}: {
  connection: TemporalConnectionLike;
  namespace: string;
  deadlineMs?: number;
}): HealthCheck {
  return async () => {
    await connection.withDeadline(Date.now() + deadlineMs, () =>
      connection.workflowService.describeNamespace({ namespace }),
    );
  };
}

/** The SMTP server greets and accepts the login (nodemailer's verify: connect, EHLO, AUTH, QUIT). */
export function smtpCheck(mailer: { verify(): Promise<void> }): HealthCheck {
  return () => mailer.verify();
}
