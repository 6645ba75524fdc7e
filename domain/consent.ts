/**
 * CONSENT_POLICY. `opt_in`: marketing email only to addresses that said yes. `existing_customers`:
 * also to people who bought from the shop before — the EU "soft opt-in" (ePrivacy Directive
 * art. 13(2)), which holds only while every email offers an easy opt-out, as every marketing email
 * here does (RFC 8058 header and footer link). Unsubscribes and opt-outs win under either policy.
 */
export const consentPolicies = ['opt_in', 'existing_customers'] as const;
export type ConsentPolicy = (typeof consentPolicies)[number];

export interface MarketingConsentInput {
  policy: ConsentPolicy;
  /** The shop's own consent flag for this customer (`marketingConsent` in the webhook). */
  explicitConsent: boolean;
  /** The customer bought before: a purchased cart or an order. */
  boughtBefore: boolean;
}

/** Whether marketing email may go to this customer under the shop's consent policy. */
export function mayReceiveMarketing({ policy, explicitConsent, boughtBefore }: MarketingConsentInput): boolean {
  if (explicitConsent) return true;
  return policy === 'existing_customers' && boughtBefore;
}

/** Whether the purchase history can change the answer: saves the query when it cannot. */
export function purchaseHistoryMatters({ policy, explicitConsent }: Omit<MarketingConsentInput, 'boughtBefore'>) {
  return policy === 'existing_customers' && !explicitConsent;
}
