import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { type Config, ConfigError } from '../config/env';
import { dkimAlignsWithFrom } from '../domain/shop-dkim';
import type { DkimSettings } from '../mail/mailer';

type DkimEnv = Partial<Pick<Config, 'DKIM_DOMAIN' | 'DKIM_SELECTOR' | 'DKIM_PRIVATE_KEY' | 'DKIM_PRIVATE_KEY_FILE'>>;

/**
 * The DKIM key from DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY (or _FILE): all or nothing, so a
 * half-done set-up stops the start instead of sending unsigned mail that looks configured.
 */
export async function loadDkimSettings(
  config: DkimEnv,
  { logger, fromDomain }: { logger: Logger; fromDomain: string },
): Promise<DkimSettings | undefined> {
  const { DKIM_DOMAIN: domainName, DKIM_SELECTOR: keySelector } = config;
  const hasKey = Boolean(config.DKIM_PRIVATE_KEY || config.DKIM_PRIVATE_KEY_FILE);
  if (!domainName && !keySelector && !hasKey) {
    logger.warn(
      'DKIM is not configured: marketing email leaves unsigned unless your SMTP relay signs it ' +
        '(Gmail and Yahoo require DKIM from bulk senders); see docs/bounces-and-dkim.md',
    );
    return undefined;
  }
  const missing = [
    ...(domainName ? [] : ['DKIM_DOMAIN']),
    ...(keySelector ? [] : ['DKIM_SELECTOR']),
    ...(hasKey ? [] : ['DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE']),
  ];
  if (missing.length > 0) {
    throw new ConfigError(`DKIM is half configured: set ${missing.join(', ')} too, or unset all DKIM_* variables`);
  }
  if (config.DKIM_PRIVATE_KEY && config.DKIM_PRIVATE_KEY_FILE) {
    throw new ConfigError('set either DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE, not both');
  }
  const raw = config.DKIM_PRIVATE_KEY ?? (await readKeyFile(config.DKIM_PRIVATE_KEY_FILE as string));
  // One-line .env values carry the PEM's line breaks as literal \n.
  const privateKey = raw.includes('\n') ? raw : raw.replace(/\\n/g, '\n');
  assertUsableKey(privateKey, config.DKIM_PRIVATE_KEY ? 'DKIM_PRIVATE_KEY' : 'DKIM_PRIVATE_KEY_FILE', logger);
  const domain = domainName!.toLowerCase();
  const from = fromDomain.toLowerCase();
  if (!dkimAlignsWithFrom({ dkimDomain: domain, fromDomain: from })) {
    // DMARC passes on DKIM only when the signing domain aligns with the From domain.
    logger.warn(
      { dkimDomain: domain, fromDomain: from },
      'DKIM_DOMAIN does not align with the MAIL_FROM domain (DMARC)',
    );
  }
  return { domainName: domain, keySelector: keySelector!, privateKey };
}

async function readKeyFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`DKIM_PRIVATE_KEY_FILE: cannot read ${file} (${code})`);
  }
}

/**
 * Whether nodemailer can sign with this PEM text: an RSA private key of at least 1024 bits (`bits`
 * then says how long, to warn under 2048), else why not. nodemailer signs rsa-sha256 only: with an
 * Ed25519 key its signer fails and the message would leave unsigned, so that key is refused here.
 */
export function checkDkimKey(pem: string): { ok: true; bits: number | undefined } | { ok: false; reason: string } {
  let bits: number | undefined;
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa')
      return {
        ok: false,
        reason: `is not a usable PEM private key: it is ${key.asymmetricKeyType}, and DKIM here signs with RSA only`,
      };
    bits = key.asymmetricKeyDetails?.modulusLength;
  } catch (error) {
    return { ok: false, reason: `is not a usable PEM private key: ${(error as Error).message}` };
  }
  if (bits !== undefined && bits < 1024)
    return { ok: false, reason: `holds a ${bits}-bit key, which receivers refuse; generate a 2048-bit one` };
  return { ok: true, bits };
}

function assertUsableKey(pem: string, variable: string, logger: Logger): void {
  const checked = checkDkimKey(pem);
  if (!checked.ok) throw new ConfigError(`${variable} ${checked.reason}`);
  if (checked.bits !== undefined && checked.bits < 2048)
    logger.warn({ bits: checked.bits }, 'DKIM key is shorter than the advised 2048 bits');
}
