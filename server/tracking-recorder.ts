import type { Db } from '../db/client';
import { type NewTrackingEvent, type TrackedMessage, insertClick, insertOpen } from '../db/tracking-store';
import { BURST_WINDOW_MS, classifyTrackingHit } from '../tracking/machine';

/** What a tracking request tells about who made it; never the raw IP. */
export interface Requester {
  method: string;
  userAgent: string | null;
  ipPrefix: string | null;
}

export const MAX_USER_AGENT_CHARS = 512;

export async function recordOpen(
  db: Db,
  { messageId, message, requester }: { messageId: string; message: TrackedMessage; requester: Requester },
): Promise<{ machine: boolean }> {
  const userAgent = truncate(requester.userAgent);
  const verdict = classifyTrackingHit({
    type: 'open',
    method: requester.method,
    occurredAt: message.now,
    userAgent: requester.userAgent,
    ipPrefix: requester.ipPrefix,
    sentAt: message.sentAt,
  });
  await insertOpen(db, eventRow({ messageId, message, userAgent, requester, linkIndex: null, verdict }));
  return { machine: verdict.machine };
}

/**
 * Stores a click; when it completes a link-scanner burst, the burst's earlier clicks (stored as
 * human a moment ago) are re-marked as machine, so the view never counts a scanner's first clicks.
 */
export async function recordClick(
  db: Db,
  input: { messageId: string; linkIndex: number; message: TrackedMessage; requester: Requester },
): Promise<{ machine: boolean }> {
  const { messageId, linkIndex, message, requester } = input;
  const userAgent = truncate(requester.userAgent);
  const since = new Date(message.now.getTime() - BURST_WINDOW_MS);
  let machine = false;
  await insertClick(db, { messageId, since }, (recentClicks) => {
    const verdict = classifyTrackingHit({
      type: 'click',
      method: requester.method,
      occurredAt: message.now,
      // The whole header: a scanner's name may come after the 512 characters that are kept.
      userAgent: requester.userAgent,
      ipPrefix: requester.ipPrefix,
      sentAt: message.sentAt,
      linkIndex,
      recentClicks,
    });
    machine = verdict.machine;
    return {
      event: eventRow({ messageId, message, userAgent, requester, linkIndex, verdict }),
      markMachine: verdict.burstClickIds,
      reason: 'link_scanner_burst',
    };
  });
  return { machine };
}

function eventRow({
  messageId,
  message,
  userAgent,
  requester,
  linkIndex,
  verdict,
}: {
  messageId: string;
  message: TrackedMessage;
  userAgent: string | null;
  requester: Requester;
  linkIndex: number | null;
  verdict: ReturnType<typeof classifyTrackingHit>;
}): NewTrackingEvent {
  return {
    shopId: message.shopId,
    messageId,
    type: linkIndex === null ? 'open' : 'click',
    linkIndex,
    occurredAt: message.now,
    userAgent,
    ipPrefix: requester.ipPrefix,
    machine: verdict.machine,
    machineReason: verdict.reason,
  };
}

function truncate(userAgent: string | null): string | null {
  const trimmed = userAgent?.trim();
  return trimmed ? trimmed.slice(0, MAX_USER_AGENT_CHARS) : null;
}
