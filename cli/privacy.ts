import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { payloadCodecFromKeys } from '../codec/codec-config';
import { createChainStopper } from '../app/chain-stopper';
import { erasePerson, exportPerson } from '../app/privacy';
import { ConfigError, loadConfig } from '../config/env';
import { configuredDatabase, withDatabase } from '../db/client';
import { parseEmailAddress } from '../domain/email-address';
import { exitWithError, isMain } from '../app/process';
import { connectTemporalClient } from '../app/temporal-client';

// `npm run privacy -- export|erase <email>`: data subject requests from the operator's shell.
// See docs/privacy.md. Output is for people; errors are one line.

const emailArgument = (value: string) => {
  const parsed = parseEmailAddress(value.trim());
  if (!parsed.ok) throw new InvalidArgumentError(`not an email address: ${parsed.reason}`);
  return parsed.address.canonical;
};

async function exportCommand(email: string, options: { out?: string }): Promise<void> {
  const config = loadConfig();
  const result = await withDatabase(configuredDatabase(config), ({ db }) =>
    exportPerson(db, { shopId: config.SHOP_ID, email }),
  );
  if (!result.found) {
    process.stderr.write(`no data held for this address in shop ${config.SHOP_ID}\n`);
    return;
  }
  const json = `${JSON.stringify(result.document, null, 2)}\n`;
  if (!options.out) {
    process.stdout.write(json);
    return;
  }
  // Personal data: readable by the operator only.
  await writeFile(options.out, json, { mode: 0o600 });
  process.stderr.write(`wrote ${options.out}\n`);
}

async function eraseCommand(email: string, options: { yes?: boolean }): Promise<void> {
  if (!options.yes) {
    throw new ConfigError(
      'erasing is irreversible: run again with --yes (export first if the person asked for a copy)',
    );
  }
  const config = loadConfig();
  // A running chain carries the address in its own input and would email the person again.
  if (!config.temporal.address) {
    throw new ConfigError(
      "TEMPORAL_ADDRESS must be set: the erase first stops the person's running workflows. Under `npm start`, " +
        'use POST /admin/privacy/erase on the running server instead (see docs/privacy.md).',
    );
  }
  const temporal = await connectTemporalClient(
    config,
    config.PAYLOAD_KEYS ? payloadCodecFromKeys(config.PAYLOAD_KEYS) : undefined,
  );
  try {
    const { client } = temporal;
    const result = await withDatabase(configuredDatabase(config), ({ db }) =>
      erasePerson({ db, chains: createChainStopper({ db, client }) }, { shopId: config.SHOP_ID, email }),
    );
    if (!result.found) {
      process.stderr.write(`no data held for this address in shop ${config.SHOP_ID}; nothing erased\n`);
      return;
    }
    process.stdout.write(`erased (shop ${config.SHOP_ID})\n`);
    process.stdout.write(`  workflows stopped   ${result.workflowsStopped?.length ?? 0}\n`);
    for (const [table, { action, rows }] of Object.entries(result.tables)) {
      process.stdout.write(`  ${table.padEnd(19)} ${rows} row(s) ${action}\n`);
    }
  } finally {
    await temporal.close();
  }
}

export function privacyProgram(): Command {
  const program = new Command('cartflow privacy')
    .description("a person's data: export it (access request) or erase it (erasure request)")
    .showHelpAfterError();
  program
    .command('export')
    .description('every row about the address, as JSON (stdout, or --out)')
    .argument('<email>', "the person's email address", emailArgument)
    .option('-o, --out <file>', 'write the JSON to this file (mode 600) instead of stdout')
    .action(exportCommand);
  program
    .command('erase')
    .description('stop their workflows, then delete or anonymise their personal data (irreversible)')
    .argument('<email>', "the person's email address", emailArgument)
    .option('--yes', 'confirm: this cannot be undone')
    .action(eraseCommand);
  return program;
}

if (isMain(import.meta.url)) privacyProgram().parseAsync(process.argv).catch(exitWithError);
