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
