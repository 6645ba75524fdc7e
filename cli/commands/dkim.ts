import { Command } from 'commander';
import { EXIT_FAILED } from '../../app/exit-codes';
import { shopOption } from '../shop-option';
import { DATABASE_ENVIRONMENT, environmentHelp } from './environment-help';

export function command(): Command {
  const dkim = new Command('dkim').description('check the DKIM signing set-up; print the DNS record it needs');
  dkim
    .command('check')
    .description(
      'read DKIM_* as `cartflow start` does and print the TXT record to publish; with --shop, the record of ' +
        "that shop's own key; exits 1 if DKIM is not configured (or the shop has no key of its own) or the " +
        'configuration is wrong (docs/bounces-and-dkim.md)',
    )
    .addOption(shopOption())
    .addHelpText(
      'after',
      environmentHelp({
        'DKIM_DOMAIN, DKIM_SELECTOR': 'the signing domain and the selector of the DNS record',
        'DKIM_PRIVATE_KEY or _FILE': 'the RSA private key, PEM text or a file holding it',
        MAIL_FROM: 'the sender, whose domain must align with DKIM_DOMAIN for DMARC',
        SHOP_ID: 'the default shop, signed with DKIM_*: --shop with it (or none) reads no database',
        DATABASE_URL: `with --shop: ${DATABASE_ENVIRONMENT.DATABASE_URL}`,
        DATA_DIR: DATABASE_ENVIRONMENT.DATA_DIR,
      }),
    )
    .action(async (options: { shop?: string }) => {
      const [{ checkDkim }, { checkShopDkim }, { loadConfig }, { senderDomain }] = await Promise.all([
        import('../dkim-check'),
        import('../shop-dkim-check'),
        import('../../config/env'),
        import('../../app/services'),
      ]);
      const config = loadConfig();
      // The default shop is signed with DKIM_*: no database is opened for it, as before --shop.
      const result =
        options.shop === undefined || options.shop === config.SHOP_ID
          ? await checkDkim(config, { fromDomain: senderDomain(config.MAIL_FROM) })
          : await checkShopDkim(config, options.shop);
      process.stdout.write(result.report);
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      if (!result.ok) process.exitCode = EXIT_FAILED;
    });
  return dkim;
}
