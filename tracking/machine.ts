/**
 * Tells opens and clicks made by people from those made by machines: privacy proxies that fetch
 * every image on delivery, security gateways that follow every link, and plain HTTP libraries.
 * Pure: the caller looks up the send time and the message's recent clicks. docs/tracking.md
 * explains each rule and why it exists.
 */

export type MachineReason =
  /** A HEAD request: browsers and mail clients GET; link checkers HEAD. */
  | 'head_request'
  /** No User-Agent at all: every browser and mail client sends one. */
  | 'missing_user_agent'
  /** Apple Mail Privacy Protection fetches images on delivery, whether or not the email is read. */
  | 'apple_privacy_proxy'
  /** A security scanner, link previewer, crawler or HTTP library that names itself. */
  | 'bot_user_agent'
  /** Before the SMTP server had even accepted the email: a filter scanning it in transit. */
  | 'before_send_completed'
  /** Faster than a person can receive, open and read an email. */
  | 'too_soon_after_send'
  /** Several different links of one email within seconds: a scanner walking the links. */
  | 'link_scanner_burst';

export type EventType = 'open' | 'click';

export interface RecentClick {
  id: number;
  linkIndex: number;
  occurredAt: Date;
}

export interface TrackingHit {
  type: EventType;
  method: string;
  occurredAt: Date;
  userAgent: string | null;
  /** From tracking/ip-prefix.ts: `17.58.0.0/24`, `2001:db8::/48`. */
  ipPrefix: string | null;
  /** `messages.sent_at`: when the SMTP server accepted the email; null while the send is in progress. */
  sentAt: Date | null;
  /** Clicks only. */
  linkIndex?: number;
  /** Clicks only: the message's earlier clicks of the last BURST_WINDOW_MS. */
  recentClicks?: readonly RecentClick[];
}

export interface Classification {
  machine: boolean;
  reason: MachineReason | null;
  /** Earlier clicks that this click revealed as part of a link-scanner burst: mark them machine too. */
  burstClickIds: number[];
}

/** An email cannot reach an inbox, be noticed and be opened faster than this. */
export const MIN_HUMAN_DELAY_MS = 2_000;
/** A scanner follows all links at once; a person opening three links in new tabs takes longer. */
export const BURST_WINDOW_MS = 5_000;
export const BURST_DISTINCT_LINKS = 3;
/**
 * Two different links within this are a scanner too: an email with two links has no third to
 * click, and a gateway posing as a browser follows both a fraction of a second apart. A person
 * has to get back to the email between two links, even opening them in background tabs.
 */
export const BURST_PAIR_MS = 1_000;

/**
 * Apple's documented MPP fetch: a User-Agent of exactly `Mozilla/5.0`, no product tokens. Apple
 * egresses from 17.0.0.0/8, which it owns outright.
 */
const APPLE_BARE_USER_AGENT = 'Mozilla/5.0';
const APPLE_NETWORK = /^17\.\d{1,3}\.\d{1,3}\.0\/24$/;

/**
 * Security gateways that announce themselves, link previewers, headless browsers, HTTP libraries,
 * and the generic words crawlers use. `bot` must end a token (Googlebot/2.1, AhrefsBot;), and the
 * phone brand in "CUBOT X19" is not a bot. GoogleImageProxy and YahooMailProxy are deliberately absent.
 */
const BOT_USER_AGENTS: readonly RegExp[] = [
  /barracuda|proofpoint|mimecast|safelinks|bingpreview|microsoftpreview|symantec|forcepoint|trendmicro/i,
  /python-requests|python-urllib|aiohttp|\bcurl\/|\bwget\/|go-http-client|okhttp|axios\/|node-fetch|undici|^node$/i,
  /libwww-perl|java\/\d|apache-httpclient|headlesschrome|phantomjs/i,
  /(?<!cu)bot(?=[/;)\-_\s,]|$)|spider|crawler|scanner|preview/i,
  /\+https?:\/\//i,
];

export function classifyTrackingHit(hit: TrackingHit): Classification {
  const burstClickIds = hit.type === 'click' ? clickBurst(hit) : null;
  const reason = firstMachineReason(hit) ?? (burstClickIds ? 'link_scanner_burst' : null);
  return { machine: reason !== null, reason, burstClickIds: burstClickIds ?? [] };
}

function firstMachineReason(hit: TrackingHit): MachineReason | null {
  const userAgent = hit.userAgent?.trim() ?? '';
  if (hit.method.toUpperCase() === 'HEAD') return 'head_request';
  if (userAgent === '') return 'missing_user_agent';
  // A click from Apple's network is an Apple employee clicking; only image fetches are MPP.
  if (hit.type === 'open' && (userAgent === APPLE_BARE_USER_AGENT || APPLE_NETWORK.test(hit.ipPrefix ?? ''))) {
    return 'apple_privacy_proxy';
  }
  if (BOT_USER_AGENTS.some((pattern) => pattern.test(userAgent))) return 'bot_user_agent';
  if (hit.sentAt === null || hit.occurredAt.getTime() < hit.sentAt.getTime()) return 'before_send_completed';
  if (hit.occurredAt.getTime() - hit.sentAt.getTime() < MIN_HUMAN_DELAY_MS) return 'too_soon_after_send';
  return null;
}

/** The ids of the earlier clicks in a burst this click completes, or null when there is none. */
function clickBurst(hit: TrackingHit): number[] | null {
  const since = hit.occurredAt.getTime() - BURST_WINDOW_MS;
  const window = (hit.recentClicks ?? []).filter((click) => click.occurredAt.getTime() >= since);
  const distinct = new Set([...window.map((click) => click.linkIndex), hit.linkIndex]);
  if (distinct.size >= BURST_DISTINCT_LINKS) return window.map((click) => click.id);
  const pairSince = hit.occurredAt.getTime() - BURST_PAIR_MS;
  const pair = window.filter((click) => click.occurredAt.getTime() >= pairSince && click.linkIndex !== hit.linkIndex);
  return pair.length > 0 ? pair.map((click) => click.id) : null;
}
