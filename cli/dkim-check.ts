import { createPublicKey } from 'node:crypto';
import pino from 'pino';
import type { Config } from '../config/env';
import type { DkimSettings } from '../mail/mailer';
import { loadDkimSettings } from '../app/dkim-config';

// `cartflow dkim check`: the DKIM set-up read exactly as `cartflow start` reads it (the same
// loadDkimSettings), and the DNS record its key needs, so an operator publishes the right one
// and finds a mistake before a restart. Nothing is sent and no DNS is queried.

type DkimEnv = Pick<Config, 'DKIM_DOMAIN' | 'DKIM_SELECTOR' | 'DKIM_PRIVATE_KEY' | 'DKIM_PRIVATE_KEY_FILE'>;

export interface DkimCheckResult {
  /** Signing is configured and the key is usable. */
  ok: boolean;
  /** For stdout: the settings and the TXT record, or why there is none. */
  report: string;
  /** What the start would log as warnings (short key, From domain not aligned). */
  warnings: string[];
}

/** The TXT record that publishes the public half of the signing key (RFC 6376 §3.6.1). */
export function dkimTxtRecord(settings: DkimSettings): { name: string; value: string } {
  const der = createPublicKey(settings.privateKey).export({ type: 'spki', format: 'der' });
  return {
    name: `${settings.keySelector}._domainkey.${settings.domainName}`,
    value: `v=DKIM1; k=rsa; p=${der.toString('base64')}`,
  };
}

/** A TXT value as zone-file strings: one string holds at most 255 characters. */
function zoneFileStrings(value: string): string {
  const parts = value.match(/.{1,255}/g) ?? [];
  return parts.map((part) => `"${part}"`).join(' ');
}

export async function checkDkim(config: DkimEnv, { fromDomain }: { fromDomain: string }): Promise<DkimCheckResult> {
  const warnings: string[] = [];
  // loadDkimSettings speaks through a logger: keep its messages as lines for a person.
  const logger = pino({ level: 'warn', base: null }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
  const settings = await loadDkimSettings(config, { logger, fromDomain });
  if (!settings) {
    return { ok: false, report: '', warnings };
  }
  return { ok: true, report: dkimRecordReport(settings, { fromDomain }), warnings };
}

/**
 * What an operator reads and publishes for a signing key, the install's or a shop's: who signs,
 * the record name, its value on one line and as zone-file strings. Only the public half is printed.
 */
export function dkimRecordReport(settings: DkimSettings, { fromDomain }: { fromDomain: string }): string {
  const bits = createPublicKey(settings.privateKey).asymmetricKeyDetails?.modulusLength;
  const record = dkimTxtRecord(settings);
  const report = [
    `DKIM signs mail from ${fromDomain} as ${settings.domainName}, selector ${settings.keySelector}, ${bits}-bit RSA key.`,
    `Publish this TXT record at ${record.name}:`,
    `  ${record.value}`,
    'In a zone file:',
    `  ${record.name}.  TXT  ${zoneFileStrings(record.value)}`,
  ];
  return `${report.join('\n')}\n`;
}
