import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { type ChainStopper, createChainStopper, createNoTemporalChainStopper } from '../app/chain-stopper';
import { connectOperatorTemporal, noTemporalHint, operatorTemporalTarget } from '../app/operator-temporal';
import { erasePerson, exportPerson } from '../app/privacy';
import { eraseShop } from '../app/shop-erase';
import { type Config, ConfigError, loadConfig } from '../config/env';
import { type Db, configuredDatabase, withDatabase } from '../db/client';
import { parseEmailAddress } from '../domain/email-address';
import { sentCopiesOf } from '../mail/outbox-files';
import { shopOfCommand, shopOption } from './shop-option';

// `cartflow privacy export|erase <email>`, `erase-shop`: data subject requests from the operator's shell.
// See docs/privacy.md. Output is for people; errors are one line.

const emailArgument = (value: string) => {
  const parsed = parseEmailAddress(value.trim());
  if (!parsed.ok) throw new InvalidArgumentError(`not an email address: ${parsed.reason}`);
  return parsed.address.canonical;
};

/** The .eml files `npm start` writes without SMTP_URL, looked for where it writes them (run from its folder). */
const sentCopiesOfConfig = (config: Config) => sentCopiesOf({ smtpUrl: config.SMTP_URL, outboxDir: config.OUTBOX_DIR });

/** A removed shop's rows can still be exported and erased (docs/shops.md); a shop never known is refused. */
const shopOfPrivacyCommand = (db: Db, config: Config, named: string | undefined, consequence: string) =>
  shopOfCommand(db, { named, defaultShopId: config.SHOP_ID, consequence, removedWithData: true });

async function exportCommand(email: string, options: { out?: string; shop?: string }): Promise<void> {
  const config = loadConfig();
  const { shopId, result } = await withDatabase(configuredDatabase(config), async ({ db }) => {
    const shopId = await shopOfPrivacyCommand(db, config, options.shop, 'nothing exported');
    return { shopId, result: await exportPerson(db, { shopId, email }) };
  });
  // Nothing held is an answer too: the same document, every table empty, so `> file.json` is JSON.
  if (!result.found) process.stderr.write(`no data held for this address in shop ${shopId}\n`);
  const json = `${JSON.stringify(result.document, null, 2)}\n`;
  if (!options.out) {
    process.stdout.write(json);
    return;
  }
  // Personal data: readable by the operator only.
  await writeFile(options.out, json, { mode: 0o600 });
  process.stderr.write(`wrote ${options.out}\n`);
}

async function eraseCommand(email: string, options: { yes?: boolean; shop?: string }): Promise<void> {
  if (!options.yes) {
    throw new ConfigError(
      'erasing is irreversible: run again with --yes (export first if the person asked for a copy)',
    );
  }
  const config = loadConfig();
  const shopId = options.shop ?? config.SHOP_ID;
  // A running chain carries the address in its own input and would email the person again.
  const result = await withChainStopper(config, { allowNone: true }, async (db, chains) => {
    await shopOfPrivacyCommand(db, config, options.shop, 'nothing erased');
    return erasePerson({ db, chains, sentCopies: sentCopiesOfConfig(config) }, { shopId, email });
  });
  if (!result.found) {
    process.stderr.write(`no data held for this address in shop ${shopId}; nothing erased\n`);
    return;
  }
  process.stdout.write(`erased (shop ${shopId})\n`);
  process.stdout.write(`  workflows stopped   ${result.workflowsStopped?.length ?? 0}\n`);
  for (const [table, { action, rows }] of Object.entries(result.tables)) {
    process.stdout.write(
      `  ${table.padEnd(19)} ${rows} ${table === 'outbox_files' ? 'file(s)' : 'row(s)'} ${action}\n`,
    );
  }
}

/** Everyone of the shop, as Shopify's shop/redact does, without its time budget (for large shops). */
async function eraseShopCommand(options: { yes?: boolean; shop?: string }): Promise<void> {
  const config = loadConfig();
  const shopId = options.shop ?? config.SHOP_ID;
  if (!options.yes) {
    throw new ConfigError(`erasing every person of shop ${shopId} is irreversible: run again with --yes`);
  }
  // Many people: stopping their chains needs Temporal, even if some have none running.
  const result = await withChainStopper(config, { allowNone: false }, async (db, chains) => {
    await shopOfPrivacyCommand(db, config, options.shop, 'nothing erased');
    return eraseShop(
      { db, chains, sentCopies: sentCopiesOfConfig(config) },
      { shopId, deadline: Number.POSITIVE_INFINITY },
    );
  });
  process.stdout.write(`erased ${result.erased} people (shop ${shopId})\n`);
  if (result.remaining > 0) {
    process.stderr.write(`${result.remaining} address(es) are still held: run again, or erase them one by one\n`);
    process.exitCode = 1;
  }
}

/**
 * The database and a chain stopper for one erase, on TEMPORAL_ADDRESS or the embedded Temporal of
 * a running `npm start`. With neither, `allowNone` erases people with no running workflows (there
 * is nothing to stop) and refuses the others; otherwise the command is refused before it starts.
 */
async function withChainStopper<T>(
  config: Config,
  options: { allowNone: boolean },
  run: (db: Db, chains: ChainStopper) => Promise<T>,
): Promise<T> {
  const target = await operatorTemporalTarget(config);
  if (target.kind === 'none') {
    const hint = noTemporalHint(config.DATA_DIR);
    if (!options.allowNone) throw new ConfigError(`stopping running workflows needs Temporal, but ${hint}`);
    return withDatabase(configuredDatabase(config), ({ db }) => run(db, createNoTemporalChainStopper({ db, hint })));
  }
  const temporal = await connectOperatorTemporal(config, target);
  try {
    return await withDatabase(configuredDatabase(config), ({ db }) =>
      run(db, createChainStopper({ db, client: temporal.client })),
    );
  } finally {
    await temporal.close();
  }
}

export function privacyProgram(): Command {
  const program = new Command('privacy')
    .description("a person's data: export it (access request) or erase it (erasure request)")
    .addOption(shopOption());
  const shop = () => program.opts<{ shop?: string }>().shop;
  program
    .command('export')
    .description('every row about the address, as JSON (stdout, or --out); every table empty if none is held')
    .argument('<email>', "the person's email address", emailArgument)
    .option('-o, --out <file>', 'write the JSON to this file (mode 600) instead of stdout')
    .action((email: string, options: { out?: string }) => exportCommand(email, { ...options, shop: shop() }));
  program
    .command('erase')
    .description('stop their workflows, then delete or anonymise their personal data (irreversible)')
    .argument('<email>', "the person's email address", emailArgument)
    .option('--yes', 'confirm: this cannot be undone')
    .action((email: string, options: { yes?: boolean }) => eraseCommand(email, { ...options, shop: shop() }));
  program
    .command('erase-shop')
    .description("erase every person of the shop, as Shopify's shop/redact does (irreversible)")
    .option('--yes', 'confirm: this cannot be undone')
    .action((options: { yes?: boolean }) => eraseShopCommand({ ...options, shop: shop() }));
  return program;
}
