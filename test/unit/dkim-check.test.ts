import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkDkim } from '../../cli/dkim-check';

// `cartflow dkim check`: the record an operator publishes must hold the public half of the very
// key cartflow signs with, and a wrong set-up must be named before anything starts.

const keyPair = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits });
const pem = (bits: number) => {
  const { privateKey, publicKey } = keyPair(bits);
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    p: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
};
const unset = {
  DKIM_DOMAIN: undefined,
  DKIM_SELECTOR: undefined,
  DKIM_PRIVATE_KEY: undefined,
  DKIM_PRIVATE_KEY_FILE: undefined,
};

describe('cartflow dkim check', () => {
  it('prints the TXT record of the signing key, at <selector>._domainkey.<domain>, split for zone files', async () => {
    const key = pem(2048);
    const result = await checkDkim(
      { ...unset, DKIM_DOMAIN: 'Shop.Example.com', DKIM_SELECTOR: 'cartflow2026', DKIM_PRIVATE_KEY: key.privateKey },
      { fromDomain: 'mail.shop.example.com' },
    );
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([]);
    const lines = result.report.split('\n');
    expect(lines[0]).toBe(
      'DKIM signs mail from mail.shop.example.com as shop.example.com, selector cartflow2026, 2048-bit RSA key.',
    );
    expect(lines[1]).toBe('Publish this TXT record at cartflow2026._domainkey.shop.example.com:');
    expect(lines[2]).toBe(`  v=DKIM1; k=rsa; p=${key.p}`);
    const zoneStrings = [...lines[4]!.matchAll(/"([^"]*)"/g)].map((match) => match[1]!);
    expect(zoneStrings.every((part) => part.length <= 255)).toBe(true);
    expect(zoneStrings.join('')).toBe(`v=DKIM1; k=rsa; p=${key.p}`);
  });

  it('a PEM pasted into .env with literal \\n line breaks gives the same record', async () => {
    const key = pem(2048);
    const oneLine = key.privateKey.replace(/\n/g, '\\n');
    const result = await checkDkim(
      { ...unset, DKIM_DOMAIN: 'shop.example.com', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: oneLine },
      { fromDomain: 'shop.example.com' },
    );
    expect(result.report).toContain(`p=${key.p}\n`);
  });

  it('warns, as the start does, about a short key and a From domain DMARC will not align', async () => {
    const key = pem(1024);
    const result = await checkDkim(
      { ...unset, DKIM_DOMAIN: 'shop.example.com', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: key.privateKey },
      { fromDomain: 'other.example' },
    );
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      'DKIM key is shorter than the advised 2048 bits',
      'DKIM_DOMAIN does not align with the MAIL_FROM domain (DMARC)',
    ]);
  });

  it('not configured: no record, the check fails and says why', async () => {
    const result = await checkDkim(unset, { fromDomain: 'shop.example.com' });
    expect(result).toMatchObject({ ok: false, report: '' });
    expect(result.warnings[0]).toMatch(/^DKIM is not configured/);
  });

  it('half configured: the error names what is missing, as the start would', async () => {
    await expect(
      checkDkim({ ...unset, DKIM_DOMAIN: 'shop.example.com' }, { fromDomain: 'shop.example.com' }),
    ).rejects.toThrow('DKIM is half configured: set DKIM_SELECTOR, DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE too');
  });
});
