import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

/**
 * Workflow inputs, signals, activity arguments and results carry customers' addresses and
 * carts; Temporal stores them in event history until the namespace's retention ends. This codec
 * encrypts every payload before it leaves the process, so the history holds only ciphertext.
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const ProtoPayload = proto.temporal.api.common.v1.Payload;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** A bad PAYLOAD_KEYS value, or a payload that cannot be decrypted with the configured keys. */
export class PayloadKeyError extends Error {
  override name = 'PayloadKeyError';
}

/**
 * Parses PAYLOAD_KEYS: `id:base64-of-32-bytes` separated by commas. The first key encrypts,
 * every key decrypts, so a rotation puts the new key first and keeps the old ones behind it.
 */
export function parsePayloadKeys(text: string): PayloadKey[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new PayloadKeyError('PAYLOAD_KEYS: no key (expected id:base64-of-32-bytes,...)');
  const keys = entries.map((entry, index) => parseKey(entry, index + 1));
  const seen = new Set<string>();
  for (const { id } of keys) {
    if (seen.has(id)) throw new PayloadKeyError(`PAYLOAD_KEYS: key id "${id}" appears twice; every id must be unique`);
    seen.add(id);
  }
  return keys;
}

function parseKey(entry: string, position: number): PayloadKey {
  const separator = entry.indexOf(':');
  const where = `PAYLOAD_KEYS key ${position}`;
  if (separator === -1) throw new PayloadKeyError(`${where}: expected id:base64-of-32-bytes (no ":" found)`);
  const id = entry.slice(0, separator).trim();
  const encoded = entry.slice(separator + 1).trim();
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) {
    throw new PayloadKeyError(`${where}: the id must be 1-64 letters, digits, _ . or -`);
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw new PayloadKeyError(
      `${where} ("${id}"): the key is not valid base64 (generate one: openssl rand -base64 32)`,
    );
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new PayloadKeyError(
      `${where} ("${id}"): the key is ${key.length} bytes, AES-256 needs ${KEY_BYTES} (openssl rand -base64 32)`,
    );
  }
  return { id, key };
}

/** AES-256-GCM over the whole serialized payload (metadata included), with a fresh 12-byte IV each time. */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly encryptingKey: PayloadKey;

  constructor(keys: PayloadKey[]) {
    const [first] = keys;
    if (!first) throw new PayloadKeyError('an encryption codec needs at least one key');
    this.encryptingKey = first;
    this.keys = new Map(keys.map(({ id, key }) => [id, key]));
  }

  /** The id new payloads are encrypted with. */
  get keyId(): string {
    return this.encryptingKey.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.encryptingKey;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv);
    // The key id is authenticated too: a payload relabelled with another id fails to decrypt.
    cipher.setAAD(Buffer.from(id));
    const plaintext = ProtoPayload.encode(payload).finish();
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(id),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    // History written before encryption was switched on stays readable.
    if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes) throw new PayloadKeyError(`encrypted payload without "${KEY_ID_METADATA}" metadata`);
    const id = Buffer.from(idBytes).toString();
    const key = this.keys.get(id);
    if (!key) {
      throw new PayloadKeyError(
        `payload encrypted with key "${id}", which is not in PAYLOAD_KEYS (known: ${[...this.keys.keys()].join(', ')})`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadKeyError(`encrypted payload (key "${id}") is truncated`);
    const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadKeyError(`payload does not decrypt with key "${id}": wrong key material or tampered data`);
    }
    return ProtoPayload.decode(plaintext);
  }
}

/** The codec for a PAYLOAD_KEYS value; throws a PayloadKeyError naming what is wrong with it. */
export function createEncryptionCodec(payloadKeys: string): EncryptionCodec {
  return new EncryptionCodec(parsePayloadKeys(payloadKeys));
}
