import { createHash } from 'node:crypto';
import { instrumentEmail } from '../tracking/links';
import { type LinkSettings, clickUrl, listUnsubscribeHeaders, pixelUrl } from '../tracking/message-links';
import { returnPathFor } from '../tracking/return-path';
import { campaignHeaders } from './campaign-headers';
import type { DkimSettings, OutgoingEmail } from './mailer';
import type { RenderedEmail } from './template-compiler';

export interface OutgoingEmailInput {
  rendered: RenderedEmail;
  to: string;
  /** The Message-ID header, derived from the send key. */
  messageId: string;
  /** Tracked links and the open pixel; absent: the email goes out as rendered. */
  links?: LinkSettings;
  /** The send's messages row id, which the tracked links, the unsubscribe token and the VERP address carry. */
  rowId: string;
  /** When the links' lifetimes start. */
  issuedAt: Date;
  /** Only for marketing email, which needs `links` too. */
  marketing?: MarketingEnvelope;
  /** The shop's own From header (several shops in one install); absent: the mailer's (MAIL_FROM). */
  from?: string;
  replyTo?: string;
  /** The shop's own DKIM key; absent: the mailer's (DKIM_*). */
  dkim?: DkimSettings;
}

/** What marketing email carries beyond its body, and what its headers name. */
export interface MarketingEnvelope {
  /** The recipient's signed unsubscribe link: kept direct (not tracked), and put in List-Unsubscribe. */
  unsubscribe: string;
  shopId: string;
  /** Absent for email sent outside a campaign. */
  campaignId: string | undefined;
  step: string;
  /** The sending domain (as in Message-IDs), the List-Id namespace. */
  domain: string;
}

/** The Message-ID of a send: the same for every retry of its key. */
export function messageIdFor(key: string, domain: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
}

/**
 * What a send hands to the mailer: the rendered email with tracked links and the open pixel and,
 * for marketing email, the RFC 8058 headers, List-Id and Feedback-ID, and with BOUNCE_ADDRESS a
 * VERP Return-Path naming this message, so an asynchronous bounce finds it. The template check
 * builds the same message to score it as a spam filter would see it.
 */
export function outgoingEmail(input: OutgoingEmailInput): { email: OutgoingEmail; links: string[] } {
  const { rendered, links, rowId, issuedAt, marketing } = input;
  const tracked = links
    ? instrumentEmail({
        html: rendered.html,
        text: rendered.text,
        linkUrl: links.trackClicks ? (index) => clickUrl(links, rowId, index, issuedAt) : undefined,
        pixelUrl: links.trackOpens ? pixelUrl(links, rowId, issuedAt) : undefined,
        keep: (url) => url === marketing?.unsubscribe,
      })
    : { html: rendered.html, text: rendered.text, links: [] };
  return {
    email: {
      to: input.to,
      subject: rendered.subject,
      html: tracked.html,
      text: tracked.text,
      messageId: input.messageId,
      ...(input.from ? { from: input.from } : {}),
      ...(input.replyTo ? { replyTo: input.replyTo } : {}),
      ...(input.dkim ? { dkim: input.dkim } : {}),
      ...(links && marketing ? marketingHeaders(links, marketing, { rowId, issuedAt }) : { headers: {} }),
    },
    links: tracked.links,
  };
}

function marketingHeaders(
  links: LinkSettings,
  marketing: MarketingEnvelope,
  { rowId, issuedAt }: { rowId: string; issuedAt: Date },
): Pick<OutgoingEmail, 'headers' | 'returnPath'> {
  const { shopId, campaignId, step, domain } = marketing;
  return {
    headers: {
      ...listUnsubscribeHeaders(links, rowId, issuedAt),
      ...campaignHeaders({ shopId, campaignId, step, domain }),
    },
    ...(links.bounceAddress
      ? { returnPath: returnPathFor({ secret: links.secret, bounceAddress: links.bounceAddress, messageId: rowId }) }
      : {}),
  };
}
