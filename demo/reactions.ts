import type { Persona } from './population';
import type { Random } from './random';

/**
 * What a simulated recipient (and their mailbox's machines) does with one email, as timed actions.
 * Pure: shopper.ts performs them against the tracking, unsubscribe and webhook endpoints.
 */

export interface DeliveredEmail {
  /** The campaign step (from the Feedback-ID header). */
  step: string;
  /** The discount the email offers, in percent, when it offers one. */
  percentOff: number | undefined;
  /** How many tracked links the email has. */
  linkCount: number;
}

/** Who really acted: the simulation knows; the server has to tell them apart (tracking/machine.ts). */
export type Actor = 'person' | 'machine';

export type Action =
  | { type: 'open'; atMs: number; userAgent: string; by: Actor }
  | { type: 'click'; atMs: number; userAgent: string; link: number; by: Actor }
  | { type: 'unsubscribe'; atMs: number }
  | { type: 'order'; atMs: number };

export const USER_AGENTS = {
  /** Apple's documented MPP fetch: exactly this, nothing more. */
  appleProxy: 'Mozilla/5.0',
  gmailProxy: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  safari:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  chrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  thunderbird: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0',
  /** A security gateway that names itself. */
  proofpoint: 'Mozilla/5.0 (compatible; Proofpoint URL Defense)',
} as const;

/** Order rates once a person has clicked: what each email's pitch is worth. */
function orderRateAfterClick(email: DeliveredEmail): number {
  // A bigger discount persuades more: 10 % → 0.40, 15 % → 0.50.
  if (email.percentOff !== undefined) return Math.min(0.9, 0.2 + 0.02 * email.percentOff);
  return email.step === 'last-chance' ? 0.35 : 0.3;
}

const UNSUBSCRIBE_RATE = 0.03;

/** People need seconds to notice and open an email; the classifier calls anything under 2 s a machine. */
const between = (random: Random, minMs: number, maxMs: number) => random.int(minMs, maxMs);

export function planReactions({
  persona,
  email,
  random,
}: {
  persona: Persona;
  email: DeliveredEmail;
  random: Random;
}): Action[] {
  const actions: Action[] = [...machineActions(persona, email, random)];
  if (!random.chance(persona.openRate)) return actions;
  const openedAt = between(random, 2_500, 9_000);
  // Apple Mail shows the image the proxy fetched at delivery: the person's open is never seen.
  if (persona.mailClient !== 'apple_mail') {
    const userAgent = persona.mailClient === 'gmail' ? USER_AGENTS.gmailProxy : USER_AGENTS.thunderbird;
    actions.push({ type: 'open', atMs: openedAt, userAgent, by: 'person' });
  }
  if (random.chance(UNSUBSCRIBE_RATE)) {
    actions.push({ type: 'unsubscribe', atMs: openedAt + between(random, 1_000, 3_000) });
    return actions;
  }
  if (email.linkCount === 0 || !random.chance(persona.clickRate)) return actions;
  const clickedAt = openedAt + between(random, 1_000, 4_000);
  const userAgent = persona.mailClient === 'apple_mail' ? USER_AGENTS.safari : USER_AGENTS.chrome;
  actions.push({ type: 'click', atMs: clickedAt, userAgent, link: 0, by: 'person' });
  if (random.chance(orderRateAfterClick(email))) {
    actions.push({ type: 'order', atMs: clickedAt + between(random, 2_000, 6_000) });
  }
  return actions;
}

/** What the mailbox's machines do on delivery, whether or not anyone reads the email. */
function machineActions(persona: Persona, email: DeliveredEmail, random: Random): Action[] {
  if (persona.mailClient === 'apple_mail') {
    return [{ type: 'open', atMs: between(random, 100, 900), userAgent: USER_AGENTS.appleProxy, by: 'machine' }];
  }
  if (persona.mailClient !== 'scanned' || email.linkCount === 0) return [];
  // Half the gateways name themselves; the other half pose as a browser and give themselves away
  // by following every link within a second (tracking/machine.ts: link_scanner_burst).
  if (random.chance(0.5)) {
    return [
      { type: 'click', atMs: between(random, 200, 1_500), userAgent: USER_AGENTS.proofpoint, link: 0, by: 'machine' },
    ];
  }
  const start = between(random, 2_500, 4_000);
  return Array.from({ length: email.linkCount }, (_, link) => ({
    type: 'click' as const,
    atMs: start + link * 150,
    userAgent: USER_AGENTS.chrome,
    link,
    by: 'machine' as const,
  }));
}
