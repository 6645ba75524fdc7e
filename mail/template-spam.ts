import { messageRowIdFor, unsubscribeUrl } from '../tracking/message-links';
import type { LinkSettings } from '../tracking/message-links';
import { composeMessage } from './mailer';
import { messageIdFor, outgoingEmail } from './outgoing-email';
import { type CompiledTemplate, renderCompiled } from './template-compiler';
import type { SampleData } from './template-samples';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A sample as a real send puts it on the wire: nodemailer's message with the text and HTML parts,
 * tracked links, the open pixel, a Message-ID from the send key and, for marketing email,
 * List-Unsubscribe, List-Id and Feedback-ID.
 * The settings are cli/services.ts's defaults, on the shop's own domain (from shop.json's
 * unsubscribe page); the links are signed with a throwaway secret and a fixed issue time, so the
 * same sample gives the same message every time.
 */
export async function sampleMessage(input: {
  compiled: CompiledTemplate;
  data: SampleData;
  sample: string;
  /** Send it as internal email (a manager alert), as the campaigns do; else as marketing email. */
  internal?: boolean;
}): Promise<Buffer> {
  const { compiled, data, internal = false } = input;
  const domain = new URL(compiled.shop.unsubscribeUrl.replaceAll(/[{}]/g, '')).hostname;
  const links: LinkSettings = {
    secret: 'cartflow-template-check-not-a-secret',
    baseUrl: `https://cartflow.${domain}`,
    trackOpens: true,
    trackClicks: true,
    linkTtlMs: 365 * DAY_MS,
    unsubscribeTtlMs: 730 * DAY_MS,
    unsubscribeMailto: `unsubscribe@${domain}`,
  };
  const key = `check:${compiled.templateId}:${compiled.locale}:${input.sample}`;
  const rowId = messageRowIdFor(key);
  const issuedAt = new Date('2026-01-01T00:00:00Z');
  // Internal email (activities/notify-manager.ts) has no signed unsubscribe link, List-Unsubscribe,
  // List-Id or Feedback-ID; its links are tracked all the same.
  const unsubscribe = internal ? undefined : unsubscribeUrl(links, rowId, issuedAt);
  const rendered = renderCompiled(compiled, data, {
    variantKey: key,
    ...(unsubscribe ? { unsubscribeUrl: unsubscribe } : {}),
  });
  const { email } = outgoingEmail({
    rendered,
    to: data.customer.email,
    messageId: messageIdFor(key, domain),
    links,
    rowId,
    issuedAt,
    ...(unsubscribe
      ? {
          marketing: {
            unsubscribe,
            shopId: 'template-check',
            campaignId: undefined,
            step: compiled.templateId,
            domain,
          },
        }
      : {}),
  });
  return composeMessage({ from: `${JSON.stringify(compiled.shop.name)} <shop@${domain}>`, email });
}
