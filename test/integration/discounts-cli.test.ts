import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { inheritedEnv } from '../helpers/test-env';

// `npm run discounts -- export` as a shop's developer runs it: a real process against a real Postgres.
const shopId = 'shop-discounts-cli';
const root = path.resolve(import.meta.dirname, '../..');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  const sql = database.sql;
  const code = (fields: Record<string, unknown>) => ({
    shop_id: shopId,
    type: 'percent',
    value: '10',
    currency: null,
    expires_at: '2026-03-01T00:00:00Z',
    status: 'active',
    source: 'builtin',
    ...fields,
  });
  await sql`insert into discount_codes ${sql([
    code({ key: 'k1', code: 'OLDPERCENT23', created_at: '2026-01-05T08:00:00Z', status: 'used' }),
    code({
      key: 'k2',
      code: 'FIXEDEUR2345',
      type: 'fixed',
      value: '15.5',
      currency: 'EUR',
      created_at: '2026-02-01T00:00:00Z',
    }),
    code({ key: 'k3', code: 'FREESHIP2345', type: 'free_shipping', value: '0', created_at: '2026-02-02T09:30:00Z' }),
    // Not something the generator makes, but a CSV must survive it: a comma and quotes.
    code({ key: 'k4', code: 'ODD,"CODE"', created_at: '2026-02-03T00:00:00Z', status: 'disabled' }),
    code({ key: 'k5', code: 'SHOPAPI23456', source: 'shop_api', created_at: '2026-02-04T00:00:00Z' }),
    code({ key: 'k6', code: 'OTHERSHOP234', shop_id: 'shop-other', created_at: '2026-02-05T00:00:00Z' }),
  ])}`;
});
afterAll(async () => {
  await database?.drop();
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/cartflow.js', 'discounts', ...args],
      { cwd: root, env: { ...inheritedEnv(), DATABASE_URL: database.url, SHOP_ID: shopId, LOG_LEVEL: 'silent' } },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** RFC 4180, strictly: every line ends in CRLF; quoted cells may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') ((cell += '"'), (i += 1));
      else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') (row.push(cell), (cell = ''));
    else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      ((row = []), (cell = ''), (i += 1));
    } else if (char === '\n' || char === '\r') throw new Error(`bare line break at ${i}`);
    else cell += char;
  }
  if (cell !== '' || row.length > 0) throw new Error('last line does not end in CRLF');
  return rows;
}

const HEADER = ['code', 'type', 'value', 'currency', 'expires_at', 'status', 'created_at'];

/** The shop's built-in codes as the database holds them, in export order and spelling. */
async function expectedRows(where: { status?: string; since?: string } = {}) {
  const rows = await database.sql<Array<Record<string, string | null>>>`
    select code, type, trim(trailing '.' from trim(trailing '0' from value::text)) as value,
           coalesce(currency, '') as currency,
           to_char(expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as expires_at, status,
           to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at
    from discount_codes
    where shop_id = ${shopId} and source = 'builtin'
      and (${where.status ?? null}::text is null or status = ${where.status ?? null})
      and (${where.since ?? null}::date is null or created_at >= ${where.since ?? null}::date)
    order by created_at, code`;
  return rows.map((row) => HEADER.map((column) => row[column] ?? ''));
}

describe('npm run discounts -- export', () => {
  it('CSV: a header row and every built-in code of this shop, oldest first, as the database holds them', async () => {
    const result = await cli('export', '--format', 'csv');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const [header, ...rows] = parseCsv(result.stdout);
    expect(header).toEqual(HEADER);
    expect(rows).toEqual(await expectedRows());
    expect(rows.map((row) => row[0])).toEqual(['OLDPERCENT23', 'FIXEDEUR2345', 'FREESHIP2345', 'ODD,"CODE"']);
    expect(rows[1]).toEqual([
      'FIXEDEUR2345',
      'fixed',
      '15.5',
      'EUR',
      '2026-03-01T00:00:00.000Z',
      'active',
      '2026-02-01T00:00:00.000Z',
    ]);
    expect(result.stdout).toContain('\r\n"ODD,""CODE""",percent,10,,');
  });

  it('filters by status and creation day; the default format is CSV', async () => {
    const active = await cli('export', '--status', 'active', '--since', '2026-02-02');
    expect(active.code).toBe(0);
    const rows = parseCsv(active.stdout).slice(1);
    expect(rows).toEqual(await expectedRows({ status: 'active', since: '2026-02-02' }));
    expect(rows.map((row) => row[0])).toEqual(['FREESHIP2345']);
  });

  it('JSON: the same fields for scripts; --source shop_api lists the shop API’s codes instead', async () => {
    const json = await cli('export', '--format', 'json', '--status', 'used');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      {
        code: 'OLDPERCENT23',
        type: 'percent',
        value: '10',
        currency: null,
        expires_at: '2026-03-01T00:00:00.000Z',
        status: 'used',
        created_at: '2026-01-05T08:00:00.000Z',
      },
    ]);
    const shopApi = await cli('export', '--format', 'json', '--source', 'shop_api');
    expect((JSON.parse(shopApi.stdout) as Array<{ code: string }>).map((row) => row.code)).toEqual(['SHOPAPI23456']);
  });

  it('--help explains the export; a bad argument is a line naming it and a hint, exit code 2', async () => {
    const help = await cli('export', '--help');
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: cartflow discounts export \[options\]/);
    expect(help.stdout).toContain('--since <day>');

    const cases: Array<[string[], string]> = [
      [
        ['export', '--since', '2026-02-30'],
        "error: option '--since <day>' argument '2026-02-30' is invalid. must be a calendar day as YYYY-MM-DD, such as 2026-11-01.\n",
      ],
      [
        ['export', '--format', 'xml'],
        "error: option '-f, --format <format>' argument 'xml' is invalid. Allowed choices are csv, json.\n",
      ],
      [
        ['export', '--status', 'expired'],
        "error: option '-s, --status <status>' argument 'expired' is invalid. Allowed choices are active, used, disabled.\n",
      ],
    ];
    const hint = '(run "cartflow discounts export --help" for usage)\n';
    for (const [args, stderr] of cases) {
      expect(await cli(...args)).toEqual({ code: 2, stdout: '', stderr: stderr + hint });
    }
  });
});
