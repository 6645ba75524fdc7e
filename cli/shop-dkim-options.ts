import { readFile } from 'node:fs/promises';
import { checkDkimKey } from '../app/dkim-config';
import type { ShopDkim } from '../db/shop-store';
import { parseEmailAddress } from '../domain/email-address';
import { dkimAlignsWithFrom, parseDkimDomain, parseDkimSelector } from '../domain/shop-dkim';
import { UsageError } from './usage-error';

/** `--dkim-selector`, `--dkim-key-file` and `--dkim-domain` as commander hands them over. */
export interface DkimOptions {
  dkimSelector?: string;
  dkimKeyFile?: string;
  dkimDomain?: string;
}

/**
 * The shop's own DKIM key from the options, checked before anything is written: a selector that is
 * a DNS name, a domain aligned with the From address (else DMARC fails anyway), and a PEM key
 * nodemailer can sign with. Null when no --dkim-* option is given (the install's DKIM_* sign).
 */
export async function shopDkimOf(options: DkimOptions, fromAddress: string | undefined): Promise<ShopDkim | null> {
  const { dkimSelector, dkimKeyFile, dkimDomain } = options;
  if (dkimSelector === undefined && dkimKeyFile === undefined && dkimDomain === undefined) return null;
  if (dkimSelector === undefined || dkimKeyFile === undefined)
    throw new UsageError('--dkim-selector and --dkim-key-file go together (--dkim-domain needs both)');
  const from = fromAddress === undefined ? undefined : parseEmailAddress(fromAddress);
  if (!from?.ok)
    throw new UsageError("--dkim-selector needs --from-address: the shop's key signs for its own From domain");
  const selector = parseDkimSelector(dkimSelector);
  if (!selector.ok) throw new UsageError(selector.reason);
  const domain =
    dkimDomain === undefined ? { ok: true as const, value: from.address.domain } : parseDkimDomain(dkimDomain);
  if (!domain.ok) throw new UsageError(domain.reason);
  if (!dkimAlignsWithFrom({ dkimDomain: domain.value, fromDomain: from.address.domain }))
    throw new UsageError(
      `--dkim-domain ${domain.value} does not align with the From domain ${from.address.domain}: give ${from.address.domain} or a parent domain of it (DMARC alignment)`,
    );
  const privateKey = await keyFrom(dkimKeyFile);
  return { domain: domain.value, selector: selector.value, privateKey };
}

async function keyFrom(file: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read --dkim-key-file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const checked = checkDkimKey(pem);
  // The reason names the key's type or parser error, never its text.
  if (!checked.ok) throw new UsageError(`--dkim-key-file ${file} ${checked.reason}`);
  return pem;
}
