/**
 * How long one attempt of a chain's activities may run (Temporal's startToCloseTimeout), and
 * what follows from it. Pure numbers, so workflows/ (the activity options) and db/ (the
 * stale-claim rule) share them instead of a comment that keeps them in step.
 */

/** One attempt of runChainStep / finishChain; Temporal retries after it. */
export const CHAIN_ACTIVITY_ATTEMPT_MS = 60_000;

/**
 * A send claim older than this was left by an attempt that has ended: twice the attempt's
 * timeout, so it also outlives the mailer's SMTP timeouts (mail/mailer.ts), which end a send
 * the activity has already given up on.
 */
export const STALE_CLAIM_MS = 2 * CHAIN_ACTIVITY_ATTEMPT_MS;

/**
 * How long after it began claiming a send an attempt may still hand the email to the mail server
 * (mail/send-deadline.ts): past the attempt's own timeout, so a slow but live send is not cut off,
 * and half a minute before STALE_CLAIM_MS, when a retry may take the claim over and send itself.
 */
export const SEND_DEADLINE_MS = STALE_CLAIM_MS - CHAIN_ACTIVITY_ATTEMPT_MS / 2;
