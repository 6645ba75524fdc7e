import { describeDuplicateKey, findDuplicateKey } from '../domain/json-duplicate-keys';
import { describeLoneSurrogate, findLoneSurrogate } from '../domain/json-lone-surrogates';

/** What every signed JSON webhook answers (400 `invalid_json`) for a body that is not UTF-8 JSON. */
export const NOT_UTF8_JSON = 'body must be a UTF-8 JSON document';

export type JsonBody =
  | { ok: true; value: unknown }
  /** `syntaxError`: JSON.parse's own words, for the routes that add them to `message`. */
  | { ok: false; message: string; syntaxError?: string };

/** Refuses invalid UTF-8 rather than replacing it; stateless between whole-buffer decodes, so one serves all. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A verified webhook body as JSON: strict UTF-8, then JSON.parse, then no key twice in one object
 * (JSON.parse would keep the last silently, where the shop's library may have meant the first),
 * and no string that is not Unicode text (domain/json-lone-surrogates.ts).
 */
export function readJsonBody(body: Uint8Array): JsonBody {
  let text: string;
  let value: unknown;
  try {
    text = strictUtf8.decode(body);
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: NOT_UTF8_JSON, syntaxError: error instanceof Error ? error.message : String(error) };
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) return { ok: false, message: describeDuplicateKey(duplicate) };
  const loneSurrogate = findLoneSurrogate({ text, value });
  if (loneSurrogate) return { ok: false, message: describeLoneSurrogate(loneSurrogate) };
  return { ok: true, value };
}
