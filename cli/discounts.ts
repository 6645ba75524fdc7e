import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config/env';
import { configuredDatabase, withDatabase } from '../db/client';
import { type DiscountCodeRow, listCodes } from '../db/discount-store';
import { discountCodeStatuses } from '../db/schema';
import { trimDecimal } from '../domain/discount-code';
import { csvCell } from '../reports/report-csv';
import { shopOfCommand, shopOption } from './shop-option';

// `cartflow discounts export [--format csv|json] [--status s] [--since day]`: the shop's codes
// for checkouts that import them in bulk rather than calling the checkout discount API.

const FORMATS = ['csv', 'json'] as const;
type Format = (typeof FORMATS)[number];
const SOURCES = ['builtin', 'shop_api'] as const;

interface ExportOptions {
  format: Format;
  status?: DiscountCodeRow['status'];
  since?: Date;
  source: DiscountCodeRow['source'];
}

/** One exported code: the same fields, in the same order, for CSV and JSON. */
export interface ExportedCode {
  code: string;
  type: DiscountCodeRow['type'];
  value: string;
  currency: string | null;
  expires_at: string;
  status: DiscountCodeRow['status'];
  created_at: string;
}

const exported = (row: DiscountCodeRow): ExportedCode => ({
  code: row.code,
  type: row.type,
  value: trimDecimal(row.value),
  currency: row.currency,
  expires_at: row.expiresAt.toISOString(),
  status: row.status,
  created_at: row.createdAt.toISOString(),
});

export const EXPORT_COLUMNS = [
  'code',
  'type',
  'value',
  'currency',
  'expires_at',
  'status',
  'created_at',
] as const satisfies ReadonlyArray<keyof ExportedCode>;

/** RFC 4180: a header row, CRLF line ends, quotes where a cell needs them; no currency is empty. */
export function codesCsv(codes: ExportedCode[]): string {
  const rows = codes.map((code) => EXPORT_COLUMNS.map((column) => csvCell(code[column] ?? '')));
  return [EXPORT_COLUMNS, ...rows].map((row) => `${row.join(',')}\r\n`).join('');
}

const RENDER: Record<Format, (codes: ExportedCode[]) => string> = {
  csv: codesCsv,
  json: (codes) => `${JSON.stringify(codes, null, 2)}\n`,
};

/** `YYYY-MM-DD`, a real calendar day, as the UTC midnight that starts it. */
function calendarDay(value: string): Date {
  const parsed = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(parsed.getTime()) || !parsed.toISOString().startsWith(value)) {
    throw new InvalidArgumentError('must be a calendar day as YYYY-MM-DD, such as 2026-11-01.');
  }
  return parsed;
}

export function discountsProgram(): Command {
  const program = new Command('discounts')
    .description('discount codes cartflow issued, for shops that import them into their checkout')
    .addOption(shopOption());
  const shop = () => program.opts<{ shop?: string }>().shop;

  program
    .command('export')
    .description(
      'the codes, oldest first, as CSV (with a header row) or JSON: code, type, value, currency, expires_at, status, created_at',
    )
    .addOption(new Option('-f, --format <format>', 'csv or json').choices(FORMATS).default('csv'))
    .addOption(
      new Option(
        '-s, --status <status>',
        'only codes in this state (an active code may have expired: see expires_at)',
      ).choices(discountCodeStatuses as unknown as string[]),
    )
    .option('--since <day>', 'only codes created on or after this UTC day, YYYY-MM-DD', calendarDay)
    .addOption(
      new Option('--source <source>', "builtin: cartflow's own codes; shop_api: those created through the shop's API")
        .choices(SOURCES)
        .default('builtin'),
    )
    .action(async (options: ExportOptions) => {
      const config = loadConfig();
      const rows = await withDatabase(configuredDatabase(config), async (database) =>
        listCodes(database.db, {
          // A removed shop's codes can still be exported; a shop never known is refused.
          shopId: await shopOfCommand(database.db, {
            named: shop(),
            defaultShopId: config.SHOP_ID,
            consequence: 'nothing exported',
            removedWithData: true,
          }),
          source: options.source,
          status: options.status,
          createdSince: options.since,
        }),
      );
      process.stdout.write(RENDER[options.format](rows.map(exported)));
    });
  return program;
}
