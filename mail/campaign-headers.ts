/**
 * Headers that let mailbox providers report per campaign: `List-Id` (RFC 2919) groups a campaign's
 * email as one list (and mail programs filter on it), `Feedback-ID` is what Gmail's Postmaster
 * Tools feedback loop counts spam reports by (`a:b:c:SenderId`, the last field constant). Both are
 * DKIM-signed (mail/mailer.ts). Campaign and step ids are slugs and shop ids have no colons, so the
 * fields need no escaping.
 */
export function campaignHeaders(input: {
  shopId: string;
  /** The campaign id; email sent outside a campaign is labelled `direct`. */
  campaignId: string | undefined;
  step: string;
  /** The sending domain (as in Message-IDs): the List-Id namespace cartflow may use. */
  domain: string;
}): Record<'List-Id' | 'Feedback-ID', string> {
  const campaign = input.campaignId ?? 'direct';
  return {
    'List-Id': `<${campaign}.${input.shopId}.${input.domain}>`,
    'Feedback-ID': `${input.step}:${campaign}:${input.shopId}:cartflow`,
  };
}
