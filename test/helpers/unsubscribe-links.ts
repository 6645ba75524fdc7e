import type { ParsedMail } from 'mailparser';

/** The RFC 8058 headers of a received email, as a mailbox provider reads them. */
export function listUnsubscribeOf(mail: ParsedMail | undefined) {
  const line = (key: string) => mail?.headerLines.find((header) => header.key === key)?.line ?? '';
  const urls = [...line('list-unsubscribe').matchAll(/<([^>]+)>/g)].map((match) => match[1] as string);
  return {
    https: urls.find((url) => url.startsWith('https://')),
    mailto: urls.find((url) => url.startsWith('mailto:')),
    post: line('list-unsubscribe-post').replace(/^List-Unsubscribe-Post:\s*/i, ''),
  };
}

/** The one-click POST exactly as RFC 8058 describes it: form body, no cookies, no credentials. */
export const oneClickRequest: RequestInit = {
  method: 'POST',
  body: 'List-Unsubscribe=One-Click',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  redirect: 'manual',
};
