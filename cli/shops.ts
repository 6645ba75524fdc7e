import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadCampaignDir } from '../app/services';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { z } from 'zod';
import { loadConfig } from '../config/env';
import { type Database, configuredDatabase, withDatabase } from '../db/client';
import {
  type ShopRecord,
  activeChainCount,
  addShop,
  findShop,
  listShops,
  removeShop,
  rotateShopSecret,
  setShopDkim,
} from '../db/shop-store';
import { EmailAddress, asciiDomain } from '../domain/email-address';
import { LocalizedText } from '../domain/localized-text';
import {
  Currencies,
  type DiscountSourceSetting,
  FromName,
  ShopId,
  ShopifyApiVersion,
  ShopifyDomain,
} from '../domain/shop';
import { type DkimOptions, shopDkimOf } from './shop-dkim-options';
import { dkimAlignsWithFrom } from '../domain/shop-dkim';
import { writeColumns } from './text-table';
import { OptionValueError, UsageError } from './usage-error';

// `cartflow shops add|list|rotate-secret|set-dkim|remove`: the shops this install serves besides the default
// one (SHOP_ID and its environment variables). Secrets are printed once, by add and rotate-secret,
// and never by list. See docs/shops.md.

const MIN_SECRET_LENGTH = 16;

/** An option value checked by a zod schema: a bad one is a usage error naming the rule. */
const parsedBy =
  <T extends z.ZodType>(schema: T) =>
  (value: string): z.infer<T> => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues.map((issue) => issue.message).join('; '));
    return parsed.data;
  };

/**
 * A shop with a From domain of its own and no key of its own is signed with DKIM_*: unless that
 * key's domain covers its From domain (or its relay signs for it), DMARC fails and Gmail, Yahoo and
 * Outlook junk or refuse its bulk mail. Said, not refused: the relay may sign for it.
 */
function dkimAlignmentWarning(shop: { id: string; fromAddress: string }, installDkimDomain: string | undefined) {
  const fromDomain = shop.fromAddress.slice(shop.fromAddress.lastIndexOf('@') + 1);
  if (installDkimDomain && dkimAlignsWithFrom({ dkimDomain: installDkimDomain, fromDomain })) return '';
  const installKey = installDkimDomain
    ? `DKIM_DOMAIN (${installDkimDomain}) does not cover it`
    : 'DKIM_DOMAIN is unset';
  return (
    `note: shop ${shop.id} sends from ${fromDomain} without a DKIM key of its own and ${installKey}: ` +
    `unless your SMTP relay signs for ${fromDomain}, receivers that check DMARC (Gmail, Yahoo, Outlook) ` +
    `junk or refuse its mail. Give it one: cartflow shops set-dkim ${shop.id} --dkim-selector <selector> ` +
    '--dkim-key-file <pem file> (docs/shops.md#dkim-for-each-shop)\n'
  );
}

/**
 * A shop that sends under its own name but names no postal address shows the install's in its
 * marketing emails: right for brands of one company, wrong for another company's shop (the law
 * asks for the sender's own). Said, not refused.
 */
function postalAddressWarning(id: string): string {
  return (
    `note: shop ${id} sends under its own From but has no --postal-address: its marketing emails show ` +
    "the install's (SHOP_POSTAL_ADDRESS, else templates/shop.json). If it is another company, remove it " +
    'and add it again with its own --postal-address (docs/shops.md)\n'
  );
}

const postalAddressArgument = (value: string): LocalizedText => {
  if (!value.trim().startsWith('{')) return value;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('starts with "{" but is not JSON; give one address or {"default":"…","ru":"…"}');
  }
  return parsedBy(LocalizedText)(json as string);
};

/** Not through parsedBy: commander would echo a name with a line break as given, over two lines. */
const fromNameArgument = (value: string): string => {
  const parsed = FromName.safeParse(value);
  if (!parsed.success) throw new OptionValueError(`--from-name ${parsed.error.issues[0]?.message}`);
  return parsed.data;
};

const currenciesArgument = (value: string) =>
  parsedBy(Currencies)(
    value
      .split(',')
      .map((code) => code.trim().toUpperCase())
      .filter(Boolean) as unknown as string,
  );

/** 32 random bytes, base64url: what `add` and `rotate-secret` hand out when no --secret-file is given. */
export function generateWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}

async function secretFrom(file: string): Promise<string> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new UsageError(`cannot read --secret-file ${file}: ${(error as Error).message}`);
  }
  if (text.length < MIN_SECRET_LENGTH)
    throw new UsageError(`the secret in ${file} must be at least ${MIN_SECRET_LENGTH} characters`);
  return text;
}

interface InstallDefaults {
  shopId: string;
  shopifyDomain?: string;
  /** DKIM_DOMAIN as A-labels: what the install's key signs for (unset: nothing). */
  dkimDomain?: string;
}

async function withShops<T>(run: (database: Database, defaults: InstallDefaults) => Promise<T>) {
  const config = loadConfig();
  const dkimDomain = config.DKIM_DOMAIN ? asciiDomain(config.DKIM_DOMAIN) : undefined;
  return withDatabase(configuredDatabase(config), (database) =>
    run(database, {
      shopId: config.SHOP_ID,
      shopifyDomain: config.SHOPIFY_SHOP_DOMAIN,
      ...(dkimDomain?.ok ? { dkimDomain: dkimDomain.value } : {}),
    }),
  );
}

interface AddOptions extends DkimOptions {
  platform: 'generic' | 'shopify';
  shopifyDomain?: string;
  secretFile?: string;
  fromName?: string;
  fromAddress?: string;
  replyTo?: string;
  postalAddress?: LocalizedText;
  locale?: string;
  currencies?: string[];
  discounts: DiscountSourceSetting['kind'];
  shopApiUrl?: string;
  shopApiTokenFile?: string;
  shopifyAdminTokenFile?: string;
  shopifyApiVersion: string;
  campaignsDir?: string;
}

async function discountSourceOf(options: AddOptions): Promise<DiscountSourceSetting> {
  switch (options.discounts) {
    case 'builtin':
      return { kind: 'builtin' };
    case 'shop_api':
      if (!options.shopApiUrl || !options.shopApiTokenFile)
        throw new UsageError('--discounts shop_api needs --shop-api-url and --shop-api-token-file');
      return { kind: 'shop_api', url: options.shopApiUrl, token: await secretFrom(options.shopApiTokenFile) };
    case 'shopify':
      if (!options.shopifyAdminTokenFile || !options.shopifyDomain)
        throw new UsageError('--discounts shopify needs --shopify-domain and --shopify-admin-token-file');
      return {
        kind: 'shopify',
        adminToken: await secretFrom(options.shopifyAdminTokenFile),
        apiVersion: options.shopifyApiVersion,
      };
  }
}

function describe(shop: ShopRecord): string {
  const domain = shop.shopifyDomain ? `, ${shop.shopifyDomain}` : '';
  return `${shop.id} (${shop.platform}${domain})`;
}

function printTable(rows: ShopRecord[], defaultShopId: string): void {
  const lines = [
    [defaultShopId, 'env', '', 'environment variables', '', '', 'DKIM_*'],
    ...rows.map((shop) => [
      shop.id,
      shop.platform,
      shop.shopifyDomain ?? '',
      shop.fromAddress ? (shop.fromName ? `${shop.fromName} <${shop.fromAddress}>` : shop.fromAddress) : '(MAIL_FROM)',
      shop.discountSource.kind,
      shop.webhookSecrets.length > 1 ? `yes, rotated ${shop.secretRotatedAt?.toISOString()}` : 'no',
      dkimColumn(shop),
    ]),
  ];
  const header = ['ID', 'PLATFORM', 'SHOPIFY DOMAIN', 'FROM', 'DISCOUNTS', 'PREVIOUS SECRET VALID', 'DKIM'];
  writeColumns(header, lines);
  process.stdout.write(`${rows.length} shop(s) besides the default one\n`);
}

/** What `list --json` shows of a shop: everything except its secrets, tokens and DKIM private key. */
function publicView(shop: ShopRecord) {
  const { webhookSecrets, discountSource, dkim, ...rest } = shop;
  return {
    ...rest,
    previousSecretValid: webhookSecrets.length > 1,
    discountSource: discountSource.kind,
    dkim: dkim ? { domain: dkim.domain, selector: dkim.selector } : null,
  };
}

/** Where receivers look the shop's DKIM key up, or which key signs instead. */
const dkimColumn = (shop: ShopRecord) =>
  shop.dkim ? `${shop.dkim.selector}._domainkey.${shop.dkim.domain}` : '(DKIM_*)';

/** The operator's next step after giving a shop a key: the command that prints the record, not openssl. */
const publishRecord = (shop: ShopRecord) =>
  `publish the public key as the TXT record ${dkimColumn(shop)}; print it with: npx cartflow dkim check --shop ${shop.id}`;

export function shopsProgram(): Command {
  const program = new Command('shops').description(
    'add, list, rotate the webhook secret of, set the DKIM key of, and remove the shops this install serves',
  );

  program
    .command('add')
    .description('add a shop; prints its webhook secret once (unless --secret-file gives it)')
    .argument('<id>', 'shop id: letters, digits, _ . - (max 64)', parsedBy(ShopId))
    .addOption(
      new Option('--platform <platform>', 'where its webhooks come from')
        .choices(['generic', 'shopify'])
        .default('generic'),
    )
    .option(
      '--shopify-domain <domain>',
      "the shop's myshopify.com domain (X-Shopify-Shop-Domain)",
      parsedBy(ShopifyDomain),
    )
    .option('--secret-file <file>', "read the webhook secret from this file (Shopify: the app's client secret)")
    .option('--from-name <name>', 'sender name in the From header', fromNameArgument)
    .option('--from-address <email>', 'sender address (default: MAIL_FROM)', parsedBy(EmailAddress))
    .option('--reply-to <email>', 'Reply-To address', parsedBy(EmailAddress))
    .option(
      '--postal-address <text>',
      'postal address in every marketing email, or JSON {"default":"…","ru":"…"}',
      postalAddressArgument,
    )
    .option(
      '--locale <code>',
      'language of emails to customers whose language is unknown (default: templates/shop.json)',
    )
    .option('--currencies <codes>', 'currencies the shop sells in, e.g. EUR,USD', currenciesArgument)
    .addOption(
      new Option('--discounts <source>', 'where incentive codes are made')
        .choices(['builtin', 'shop_api', 'shopify'])
        .default('builtin'),
    )
    .option('--shop-api-url <url>', "the shop's discount API (with --discounts shop_api)")
    .option('--shop-api-token-file <file>', "file holding the shop API's bearer token")
    .option('--shopify-admin-token-file <file>', 'file holding the Admin API token (with --discounts shopify)')
    .option('--shopify-api-version <version>', 'Admin API version', parsedBy(ShopifyApiVersion), '2025-10')
    .option('--campaigns-dir <dir>', "the shop's campaign files (default: CAMPAIGNS_DIR)")
    .option('--dkim-selector <selector>', "sign the shop's email with its own DKIM key: the key's selector")
    .option('--dkim-key-file <file>', "PEM file holding the shop's DKIM private key (RSA, 2048 bits advised)")
    .option('--dkim-domain <domain>', 'the signing domain (default: the domain of --from-address)')
    .action(async (id: string, options: AddOptions) => {
      if (options.platform === 'shopify' && !options.shopifyDomain)
        throw new UsageError('--platform shopify needs --shopify-domain (the shop its webhooks name)');
      if (options.platform === 'shopify' && !options.secretFile)
        throw new UsageError(
          "--platform shopify needs --secret-file with the app's client secret (Shopify signs with it)",
        );
      if (options.fromName && !options.fromAddress) throw new UsageError('--from-name needs --from-address');
      const discountSource = await discountSourceOf(options);
      const dkim = await shopDkimOf(options, options.fromAddress);
      // Absolute, so the server finds it whatever its working directory; checked now, not at the first webhook.
      const campaignsDir = options.campaignsDir ? path.resolve(options.campaignsDir) : null;
      if (campaignsDir) {
        await loadCampaignDir(campaignsDir).catch((error: unknown) => {
          throw new UsageError(`--campaigns-dir ${campaignsDir}: ${(error as Error).message}`);
        });
      }
      const given = options.secretFile ? await secretFrom(options.secretFile) : undefined;
      const secret = given ?? generateWebhookSecret();
      const { added, installDkimDomain } = await withShops(async (database, defaults) => {
        if (id === defaults.shopId)
          throw new UsageError(
            `shop ${id} is this install's default shop (SHOP_ID): it is configured by environment variables`,
          );
        if (options.shopifyDomain && options.shopifyDomain === defaults.shopifyDomain)
          throw new UsageError(
            `${options.shopifyDomain} is the default shop's SHOPIFY_SHOP_DOMAIN; pick another domain`,
          );
        const row = await addShop(database.db, {
          id,
          platform: options.platform,
          shopifyDomain: options.shopifyDomain ?? null,
          webhookSecret: secret,
          fromName: options.fromName ?? null,
          fromAddress: options.fromAddress ?? null,
          replyTo: options.replyTo ?? null,
          postalAddress: options.postalAddress ?? null,
          defaultLocale: options.locale ?? null,
          currencies: options.currencies ?? null,
          discountSource,
          campaignsDir,
          dkim,
        });
        return { added: row, installDkimDomain: defaults.dkimDomain };
      });
      if (added.kind === 'duplicate_id') throw new UsageError(`a shop with id ${id} already exists; nothing changed`);
      if (added.kind === 'duplicate_domain')
        throw new UsageError(`shop domain ${options.shopifyDomain} already belongs to another shop; nothing changed`);
      process.stdout.write(`added shop ${describe(added.shop)}\n`);
      if (added.shop.dkim)
        process.stdout.write(`its email is signed with its own DKIM key; ${publishRecord(added.shop)}\n`);
      if (added.shop.fromAddress && !added.shop.postalAddress) process.stderr.write(postalAddressWarning(id));
      if (added.shop.fromAddress && !added.shop.dkim)
        process.stderr.write(dkimAlignmentWarning({ id, fromAddress: added.shop.fromAddress }, installDkimDomain));
      if (!given) process.stdout.write(`webhook secret (shown once; give it to the shop's backend):\n${secret}\n`);
    });

  program
    .command('list')
    .description('the shops, without their secrets')
    .option('--json', 'JSON for scripts')
    .action(async (options: { json?: boolean }) => {
      const { rows, defaultShopId } = await withShops(async (database, defaults) => ({
        rows: await listShops(database.db),
        defaultShopId: defaults.shopId,
      }));
      if (options.json) process.stdout.write(`${JSON.stringify(rows.map(publicView), null, 2)}\n`);
      else printTable(rows, defaultShopId);
    });

  program
    .command('rotate-secret')
    .description('a new webhook secret; the current one stays valid as the previous one until the next rotation')
    .argument('<id>', 'shop id', parsedBy(ShopId))
    .option('--secret-file <file>', "read the new secret from this file (Shopify: the app's new client secret)")
    .action(async (id: string, options: { secretFile?: string }) => {
      const given = options.secretFile ? await secretFrom(options.secretFile) : undefined;
      const secret = given ?? generateWebhookSecret();
      const rotated = await withShops((database) => rotateShopSecret(database.db, { id, secret }));
      if (!rotated) throw new UsageError(`no shop ${id} (see cartflow shops list); nothing changed`);
      process.stdout.write(
        `rotated the webhook secret of shop ${describe(rotated)}; the previous secret stays valid until the next rotation\n`,
      );
      if (!given) process.stdout.write(`new webhook secret (shown once):\n${secret}\n`);
    });

  program
    .command('set-dkim')
    .description("give a shop its own DKIM key (or a new one), or --off: the install's DKIM_* sign its email again")
    .argument('<id>', 'shop id', parsedBy(ShopId))
    .option('--dkim-selector <selector>', "the key's selector")
    .option('--dkim-key-file <file>', "PEM file holding the shop's DKIM private key")
    .option('--dkim-domain <domain>', "the signing domain (default: the domain of the shop's From address)")
    .option('--off', "drop the shop's own key")
    .action(async (id: string, options: DkimOptions & { off?: boolean }) => {
      const { off, ...dkimOptions } = options;
      const updated = await withShops(async (database) => {
        const shop = await findShop(database.db, id);
        if (!shop) throw new UsageError(`no shop ${id} (see cartflow shops list); nothing changed`);
        if (off && Object.values(dkimOptions).some((value) => value !== undefined))
          throw new UsageError('--off drops the key: give it without --dkim-* options');
        if (!off && !shop.fromAddress)
          throw new UsageError(
            `shop ${id} sends as MAIL_FROM (added without --from-address): its mail is signed with DKIM_*; nothing changed`,
          );
        const dkim = off ? null : await shopDkimOf(dkimOptions, shop.fromAddress ?? undefined);
        if (!off && !dkim) throw new UsageError('give --dkim-selector and --dkim-key-file, or --off');
        return setShopDkim(database.db, { id, dkim });
      });
      if (!updated) throw new UsageError(`no shop ${id} (see cartflow shops list); nothing changed`);
      process.stdout.write(
        updated.dkim
          ? `shop ${id} now signs with its own DKIM key; ${publishRecord(updated)}\n`
          : `shop ${id} now signs with the install's key (DKIM_*)\n`,
      );
    });

  program
    .command('remove')
    .description("remove a shop: its webhooks are refused from then on; its customers' data stays")
    .argument('<id>', 'shop id', parsedBy(ShopId))
    .option('--force', 'remove it even while chains are running (they fail at their next step, sending nothing)')
    .action(async (id: string, options: { force?: boolean }) => {
      const running = await withShops(async (database) => {
        if (!(await findShop(database.db, id)))
          throw new UsageError(`no shop ${id} (see cartflow shops list); nothing removed`);
        const active = await activeChainCount(database.db, id);
        if (active > 0 && !options.force) return { refused: active };
        if (!(await removeShop(database.db, id)))
          throw new UsageError(`no shop ${id} (see cartflow shops list); nothing removed`);
        return { removed: active };
      });
      if ('refused' in running)
        throw new UsageError(
          `shop ${id} has ${running.refused} running chain(s); wait for them to end, or remove it with --force (they then fail at their next step and send nothing)`,
        );
      process.stdout.write(
        `removed shop ${id}: its webhooks are refused from now on` +
          (running.removed > 0 ? `; ${running.removed} running chain(s) will fail at their next step` : '') +
          `. Its carts, customers, messages and orders are kept; erase them with: cartflow privacy --shop ${id} erase-shop --yes\n`,
      );
    });
  return program;
}
