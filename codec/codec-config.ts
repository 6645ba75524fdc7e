import { type Config, ConfigError } from '../config/env';
import { type EncryptionCodec, PayloadKeyError, createEncryptionCodec } from './encryption-codec';

/** The codec for a key list, with a bad value reported as configuration (one line, no stack). */
export function payloadCodecFromKeys(payloadKeys: string, source = 'PAYLOAD_KEYS'): EncryptionCodec {
  try {
    return createEncryptionCodec(payloadKeys);
  } catch (error) {
    if (error instanceof PayloadKeyError) {
      throw new ConfigError(error.message.replace(/^PAYLOAD_KEYS/, source));
    }
    throw error;
  }
}

/**
 * `npm run worker` and `npm run server` refuse to start without PAYLOAD_KEYS: a process without
 * the codec would write customers' addresses into Temporal history in plain text, and could not
 * read the encrypted payloads its peers write.
 */
export function requirePayloadCodec(config: Config): EncryptionCodec {
  if (!config.PAYLOAD_KEYS) {
    throw new ConfigError(
      'PAYLOAD_KEYS must be set when running this process on its own: it encrypts workflow payloads ' +
        '(personal data) in Temporal history. Generate a key: echo "k1:$(openssl rand -base64 32)". See docs/privacy.md.',
    );
  }
  return payloadCodecFromKeys(config.PAYLOAD_KEYS);
}
