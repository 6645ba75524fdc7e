import { messageRowIdFor, unsubscribeUrl } from '../tracking/message-links';
import type { LinkSettings } from '../tracking/message-links';
import { composeMessage } from './mailer';
import { messageIdFor, outgoingEmail } from './outgoing-email';
import { type CompiledTemplate, renderCompiled } from './template-compiler';
import type { SampleData } from './template-samples';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A sample as a real marketing send puts it on the wire: nodemailer's message with the text and
 * HTML parts, tracked links, the open pixel, List-Unsubscribe, List-Id, Feedback-ID and a
 * Message-ID from the send key.
 * The settings are cli/services.ts's defaults, on the shop's own domain (from shop.json's
 * unsubscribe page); the links are signed with a throwaway secret and a fixed issue time, so the
 * same sample gives the same message every time.
 */
export async function sampleMessage(input: {
  compiled: CompiledTemplate;
  data: SampleData;
  sample: string;
}): Promise<Buffer> {
  const { compiled, data } = input;
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
  const unsubscribe = unsubscribeUrl(links, rowId, issuedAt);
  const rendered = renderCompiled(compiled, data, { variantKey: key, unsubscribeUrl: unsubscribe });
  const { email } = outgoingEmail({
    rendered,
    to: data.customer.email,
    messageId: messageIdFor(key, domain),
    links,
    rowId,
    issuedAt,
    marketing: { unsubscribe, shopId: 'template-check', campaignId: undefined, step: compiled.templateId, domain },
  });
  return composeMessage({ from: `${JSON.stringify(compiled.shop.name)} <shop@${domain}>`, email });
}
