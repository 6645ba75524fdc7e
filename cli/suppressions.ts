import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { and, asc, eq } from 'drizzle-orm';
import { loadConfig } from '../config/env';
import { type Database, configuredDatabase, withDatabase } from '../db/client';
import { displayEmail } from '../domain/display-email';
import { parseEmailAddress } from '../domain/email-address';
import { type SuppressionReason, suppressionReasons, suppressions } from '../db/schema';
import { suppress, suppressionFor } from '../db/suppression-store';
import { shopOfCommand, shopOption } from './shop-option';
import { writeColumns } from './text-table';

// `cartflow suppressions list|export|add|remove`: the operator's view of who gets no marketing
// email and why. Output is for people (or --json / CSV for tools); errors are one line. People read
// addresses with U-label domains (displayEmail); --json and CSV keep the stored A-label form.

type Row = typeof suppressions.$inferSelect;

/** A refused request (an address not on the list): one line on stderr, exit code 1 (app/process.ts). */
class UsageError extends Error {
  override name = 'UsageError';
}

const emailArgument = (value: string) => {
  const parsed = parseEmailAddress(value.trim());
  if (!parsed.ok) throw new InvalidArgumentError(`must be an email address: ${parsed.reason}`);
  return parsed.address.canonical;
};

/**
 * Runs `run` on the database for the shop of `--shop`, refused first when the install has no such
 * shop. A removed shop's list can still be read and trimmed; nothing new is added under it.
 */
async function withShopDatabase<T>(
  run: (database: Database, shopId: string) => Promise<T>,
  shop: { named: string | undefined; adds?: boolean },
): Promise<T> {
  const config = loadConfig();
  return withDatabase(configuredDatabase(config), async (database) => {
    const shopId = await shopOfCommand(database.db, {
      named: shop.named,
      defaultShopId: config.SHOP_ID,
      consequence: shop.adds ? 'nothing suppressed' : 'nothing read or changed',
      removedWithData: !shop.adds,
    });
    return run(database, shopId);
  });
}

async function listRows(database: Database, shopId: string, reason?: SuppressionReason): Promise<Row[]> {
  return database.db
    .select()
    .from(suppressions)
    .where(and(eq(suppressions.shopId, shopId), reason ? eq(suppressions.reason, reason) : undefined))
    .orderBy(asc(suppressions.createdAt), asc(suppressions.email));
}

function printTable(rows: Row[]): void {
  if (rows.length === 0) {
    process.stdout.write('no suppressed addresses\n');
    return;
  }
  const lines = rows.map((row) => [displayEmail(row.email), row.reason, row.source ?? '', row.createdAt.toISOString()]);
  const header = ['EMAIL', 'REASON', 'SOURCE', 'SINCE'];
  writeColumns(header, lines);
  process.stdout.write(`${rows.length} suppressed address(es)\n`);
}

const CSV_COLUMNS = ['email', 'reason', 'source', 'detail', 'created_at'] as const;

export function toCsv(rows: Row[]): string {
  const cell = (value: string | null) => {
    const text = value ?? '';
    // Quote what would break the row, and defuse spreadsheet formulas (=, +, -, @) in free text.
    const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
    return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = rows.map((row) =>
    [row.email, row.reason, row.source, row.detail, row.createdAt.toISOString()].map(cell).join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...lines].join('\r\n')}\r\n`;
}

function describe(row: Row): string {
  const source = row.source ? `, source ${row.source}` : '';
  return `${displayEmail(row.email)} (${row.reason}${source}, since ${row.createdAt.toISOString()})`;
}

export function suppressionsProgram(): Command {
  const program = new Command('suppressions')
    .description('list, export, add and remove suppressed addresses (no marketing email goes to them)')
    .addOption(shopOption());
  const shop = (adds?: boolean) => ({ named: program.opts<{ shop?: string }>().shop, adds });
  const reasonOption = (flags: string, description: string) =>
    new Option(flags, description).choices(suppressionReasons as unknown as string[]);

  program
    .command('list')
    .description('the suppression list, oldest first')
    .addOption(reasonOption('-r, --reason <reason>', 'only this reason'))
    .addOption(new Option('-f, --format <format>', 'table for people; json for scripts').choices(['table', 'json']))
    .option('--json', 'the same as --format json')
    .action(async (options: { reason?: SuppressionReason; format?: 'table' | 'json'; json?: boolean }) => {
      const rows = await withShopDatabase((database, shopId) => listRows(database, shopId, options.reason), shop());
      if (options.json || options.format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else printTable(rows);
    });

  program
    .command('export')
    .description('the suppression list as CSV (with a header row)')
    .addOption(reasonOption('-r, --reason <reason>', 'only this reason'))
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .action(async (options: { reason?: SuppressionReason; out?: string }) => {
      const rows = await withShopDatabase((database, shopId) => listRows(database, shopId, options.reason), shop());
      if (!options.out) {
        process.stdout.write(toCsv(rows));
        return;
      }
      await writeFile(options.out, toCsv(rows));
      process.stdout.write(`wrote ${rows.length} address(es) to ${options.out}\n`);
    });

  program
    .command('add')
    .description('suppress an address by hand; running chains stop at their next step')
    .argument('<email>', 'the address', emailArgument)
    .addOption(reasonOption('-r, --reason <reason>', 'why').default('manual'))
    .option('-d, --detail <text>', 'a note kept with the entry (no personal data)')
    .action(async (email: string, options: { reason: SuppressionReason; detail?: string }) => {
      const message = await withShopDatabase(async (database, shopId) => {
        const added = await suppress(database.db, { shopId, email, source: 'cli', ...options });
        const row = await suppressionFor(database.db, { shopId, email });
        return added ? `suppressed ${describe(row!)}` : `already suppressed: ${describe(row!)}`;
      }, shop(true));
      process.stdout.write(`${message}\n`);
    });

  program
    .command('remove')
    .description('take an address off the list (it may get marketing email again, if it consented)')
    .argument('<email>', 'the address', emailArgument)
    .action(async (email: string) => {
      const removed = await withShopDatabase(async (database, shopId) => {
        const [row] = await database.db
          .delete(suppressions)
          .where(and(eq(suppressions.shopId, shopId), eq(suppressions.email, email)))
          .returning();
        if (!row) {
          const shown = displayEmail(email);
          throw new UsageError(`${shown} is not on the suppression list of shop ${shopId}; nothing removed`);
        }
        return row;
      }, shop());
      process.stdout.write(`removed ${describe(removed)}\n`);
    });
  return program;
}
