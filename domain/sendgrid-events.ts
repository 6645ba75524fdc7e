import { z } from 'zod';
import type { DeliveryEventType } from '../db/schema';
import { object, oneOf, rule, text, wholeNumber } from './payload-fields';

/**
 * SendGrid Event Webhook events that matter for suppression, after
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event:
 * `bounce` with `type: bounce` is a hard bounce and `type: blocked` a soft one; `dropped` says why
 * in `reason`; `spamreport` is a complaint. Every other event (processed, delivered, open…) is
 * accepted and ignored, without being validated.
 */

const optionalText = z.string(rule('must be text')).optional();

const RelevantEvent = object(
  {
    event: oneOf(['bounce', 'dropped', 'spamreport']),
    // SendGrid's own data: checked only as far as cartflow relies on it.
    email: text({ min: 3, max: 320 }),
    timestamp: wholeNumber({ min: 0 }),
    sg_event_id: text({ max: 1000 }),
    'smtp-id': optionalText,
    type: optionalText,
    reason: optionalText,
    status: optionalText,
    bounce_classification: optionalText,
  },
  'a SendGrid event',
);
type RelevantEvent = z.infer<typeof RelevantEvent>;

export interface SendGridDeliveryEvent {
  type: DeliveryEventType;
  email: string;
  providerEventId: string;
  messageIdHeader: string | null;
  detail: string | null;
  occurredAt: Date;
}

/** A bad event of the batch: `1.email` and what it must be. */
export interface SendGridProblem {
  path: string;
  message: string;
}

export type SendGridBatch =
  { ok: true; events: SendGridDeliveryEvent[]; ignored: number } | { ok: false; issues: SendGridProblem[] };

/** `dropped` reasons that say something about the address; the rest (quota, spam content…) do not. */
const DROPPED_REASONS: Record<string, DeliveryEventType> = {
  'bounced address': 'hard_bounce',
  'invalid address': 'hard_bounce',
  invalid: 'hard_bounce',
  'spam reporting address': 'complaint',
};

/** Validates a parsed body (it must be an array of events) and maps the relevant events. */
export function readSendGridBatch(body: unknown): SendGridBatch {
  if (!Array.isArray(body)) return { ok: false, issues: [{ path: '', message: 'must be a JSON array of events' }] };
  const events: SendGridDeliveryEvent[] = [];
  const problems: SendGridProblem[] = [];
  let ignored = 0;
  body.forEach((raw: unknown, index) => {
    const name = (raw as { event?: unknown } | null)?.event;
    if (typeof raw !== 'object' || raw === null || typeof name !== 'string') {
      problems.push({ path: String(index), message: 'must be an event object with an "event" name' });
      return;
    }
    if (!RelevantEvent.shape.event.safeParse(name).success) {
      ignored += 1;
      return;
    }
    const parsed = RelevantEvent.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ path: [index, ...issue.path].join('.'), message: issue.message });
      }
      return;
    }
    const type = deliveryTypeOf(parsed.data);
    if (type) events.push(toDeliveryEvent(parsed.data, type));
    else ignored += 1;
  });
  if (problems.length > 0) return { ok: false, issues: problems };
  return { ok: true, events, ignored };
}

function deliveryTypeOf(event: RelevantEvent): DeliveryEventType | null {
  switch (event.event) {
    case 'spamreport':
      return 'complaint';
    case 'bounce':
      // Older payloads carry no `type`; a bounce event was always the permanent kind.
      return event.type === 'blocked' ? 'soft_bounce' : 'hard_bounce';
    case 'dropped':
      return DROPPED_REASONS[(event.reason ?? '').trim().toLowerCase()] ?? null;
  }
}

function toDeliveryEvent(event: RelevantEvent, type: DeliveryEventType): SendGridDeliveryEvent {
  // e.g. "bounce (blocked, Invalid Address): 5.0.0 500 unknown recipient"
  const qualifiers = [event.type, event.bounce_classification].filter(Boolean).join(', ');
  const said = [event.status, event.reason].filter(Boolean).join(' ');
  const detail = `${event.event}${qualifiers ? ` (${qualifiers})` : ''}${said ? `: ${said}` : ''}`;
  return {
    type,
    email: event.email,
    providerEventId: event.sg_event_id,
    messageIdHeader: event['smtp-id'] ?? null,
    detail: detail.slice(0, 1000),
    occurredAt: new Date(event.timestamp * 1000),
  };
}
