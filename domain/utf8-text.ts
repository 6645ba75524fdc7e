/**
 * Files marketers edit (campaigns, templates) as UTF-8 text. One saved as Windows-1252, Latin-1 or
 * Windows-1250 would otherwise read with U+FFFD in place of each accented letter: `Résumé` shown as
 * `R�sum�` in a report, `Twój koszyk` as `Tw�j koszyk` in every Polish customer's inbox.
 * Not UTF-8: the 1-based line of the first byte that is not.
 */
export function decodeUtf8(bytes: Uint8Array): { ok: true; text: string } | { ok: false; line: number } {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const text = new TextDecoder('utf-8').decode(bytes);
    return { ok: false, line: text.slice(0, text.indexOf('\ufffd')).split('\n').length };
  }
}

export const NOT_UTF8 = 'not UTF-8 text (an editor saved it in another encoding): save the file as UTF-8';
