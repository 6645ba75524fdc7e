import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA,
  PayloadKeyError,
  createEncryptionCodec,
  parsePayloadKeys,
} from '../../codec/encryption-codec';

const key = () => randomBytes(32).toString('base64');
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString();

describe('parsePayloadKeys', () => {
  it('reads id:key pairs in order, the first one encrypting', () => {
    const [k2, k1] = [key(), key()];
    const keys = parsePayloadKeys(` k2:${k2} , k1:${k1}`);
    expect(keys.map(({ id }) => id)).toEqual(['k2', 'k1']);
    expect(keys[0]?.key.equals(Buffer.from(k2, 'base64'))).toBe(true);
    expect(new EncryptionCodec(keys).keyId).toBe('k2');
  });

  it.each([
    ['', /no key/],
    ['k1', /no ":" found/],
    [`:${key()}`, /id must be/],
    ['k1:not base64!', /not valid base64/],
    [`k1:${randomBytes(16).toString('base64')}`, /16 bytes, AES-256 needs 32/],
    [`k1:${key()},k1:${key()}`, /"k1" appears twice/],
  ])('rejects %j with a clear error', (value, message) => {
    expect(() => parsePayloadKeys(value)).toThrow(PayloadKeyError);
    expect(() => parsePayloadKeys(value)).toThrow(message);
  });

  it('never echoes key material in its errors', () => {
    const secret = randomBytes(31).toString('base64');
    expect(() => parsePayloadKeys(`k1:${secret}`)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });
});

describe('EncryptionCodec', () => {
  const person = { email: 'ada.lovelace@example.com', name: 'Ada' };

  it('round-trips payloads, leaving no plaintext and a fresh IV each time', async () => {
    const codec = createEncryptionCodec(`k1:${key()}`);
    const payload = defaultPayloadConverter.toPayload(person);
    const [first, second] = await codec.encode([payload, payload]);
    expect(text(first?.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(first?.metadata?.[KEY_ID_METADATA])).toBe('k1');
    expect(Buffer.from(first!.data!).includes(Buffer.from(person.email))).toBe(false);
    expect(Buffer.from(first!.data!).equals(Buffer.from(second!.data!))).toBe(false);
    const decoded = await codec.decode([first!, second!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([person, person]);
    expect(text(decoded[0]?.metadata?.encoding)).toBe('json/plain');
  });

  it('passes through payloads written before encryption was switched on', async () => {
    const codec = createEncryptionCodec(`k1:${key()}`);
    const plain = defaultPayloadConverter.toPayload(person);
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('decrypts with an older key after rotation, and names an unknown key id', async () => {
    const [k1, k2] = [key(), key()];
    const [old] = await createEncryptionCodec(`k1:${k1}`).encode([defaultPayloadConverter.toPayload(person)]);
    const rotated = createEncryptionCodec(`k2:${k2},k1:${k1}`);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual(person);
    expect(text((await rotated.encode([defaultPayloadConverter.toPayload(1)]))[0]?.metadata?.[KEY_ID_METADATA])).toBe(
      'k2',
    );
    await expect(createEncryptionCodec(`k2:${k2}`).decode([old!])).rejects.toThrow(
      'payload encrypted with key "k1", which is not in PAYLOAD_KEYS (known: k2)',
    );
  });

  it('refuses tampered data and a relabelled key id', async () => {
    const material = key();
    const codec = createEncryptionCodec(`k1:${material},k9:${material}`);
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(person)]);
    const data = Buffer.from(encrypted!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...encrypted, data }])).rejects.toThrow(/does not decrypt with key "k1"/);
    const relabelled = { ...encrypted, metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: Buffer.from('k9') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/does not decrypt with key "k9"/);
  });
});
