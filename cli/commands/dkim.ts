import { Command } from 'commander';
import { EXIT_FAILED } from '../../app/exit-codes';
import { environmentHelp } from './environment-help';

export function command(): Command {
  const dkim = new Command('dkim').description('check the DKIM signing set-up; print the DNS record it needs');
  dkim
    .command('check')
    .description(
      'read DKIM_* as `cartflow start` does and print the TXT record to publish; exits 1 if DKIM is not ' +
        'configured or the configuration is wrong (docs/bounces-and-dkim.md)',
    )
    .addHelpText(
      'after',
      environmentHelp({
        'DKIM_DOMAIN, DKIM_SELECTOR': 'the signing domain and the selector of the DNS record',
        'DKIM_PRIVATE_KEY or _FILE': 'the RSA private key, PEM text or a file holding it',
        MAIL_FROM: 'the sender, whose domain must align with DKIM_DOMAIN for DMARC',
      }),
    )
    .action(async () => {
      const [{ checkDkim }, { loadConfig }, { senderDomain }] = await Promise.all([
        import('../dkim-check'),
        import('../../config/env'),
        import('../../app/services'),
      ]);
      const config = loadConfig();
      const result = await checkDkim(config, { fromDomain: senderDomain(config.MAIL_FROM) });
      process.stdout.write(result.report);
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      if (!result.ok) process.exitCode = EXIT_FAILED;
    });
  return dkim;
}
