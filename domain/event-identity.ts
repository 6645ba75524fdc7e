import type { CartEvent, CartItem } from './events';

/**
 * What makes two bodies with one event id the same event (docs/webhooks.md, "Responses": a retry
 * is a 200 `duplicate`, a reused id for other contents a 409). The validated event already has its
 * keys in schema order, defaults filled in, ids trimmed and addresses canonical; this also writes
 * each amount and each date-time one way, because a shop's retry may serialize them again: its
 * decimal type prints "39.8" where the first attempt sent "39.80" (or the JSON number 39.8), and a
 * timestamp comes back in UTC where it first carried the shop's offset. Those are the same event;
 * other contents (another amount, another instant, another cart) are not.
 *
 * Instants are compared to the millisecond: sub-millisecond digits name no other snapshot.
 */
export function canonicalEventJson(event: CartEvent): string {
  return JSON.stringify({ ...event, occurredAt: instant(event.occurredAt), data: canonicalData(event) });
}

function canonicalData(event: CartEvent) {
  switch (event.type) {
    case 'cart.updated':
      return {
        ...event.data,
        total: canonicalAmount(event.data.total),
        items: event.data.items.map(line),
        updatedAt: instant(event.data.updatedAt),
      };
    case 'order.placed':
      return {
        ...event.data,
        total: canonicalAmount(event.data.total),
        items: event.data.items?.map(line),
        placedAt: instant(event.data.placedAt),
      };
    case 'customer.created':
      return { ...event.data, createdAt: instant(event.data.createdAt) };
  }
}

function line(item: CartItem) {
  return { ...item, unitPrice: canonicalAmount(item.unitPrice) };
}

/** "039.80" → "39.8", "40.00" → "40", "0.0" → "0": the decimal's value, written one way. */
export function canonicalAmount(value: string): string {
  const [whole = '0', fraction = ''] = value.split('.');
  const digits = whole.replace(/^0+(?=\d)/, '');
  const decimals = fraction.replace(/0+$/, '');
  return decimals ? `${digits}.${decimals}` : digits;
}

/** The instant in UTC ("2026-11-30T18:00:00+01:00" → "2026-11-30T17:00:00.000Z"); absent stays absent. */
function instant(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const milliseconds = Date.parse(value);
  // Validated as ISO 8601 at the door; a value Date cannot read is compared as written.
  return Number.isNaN(milliseconds) ? value : new Date(milliseconds).toISOString();
}
