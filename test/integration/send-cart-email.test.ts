import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities, type SendCartEmailInput } from '../../activities';
import { templatesDir } from '../../cli/services';
import { storeCartEvent } from '../../db/cart-store';
import { CartUpdatedEvent, OrderPlacedEvent } from '../../domain/events';
import { createSmtpMailer, type Mailer } from '../../mail/mailer';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { cartUpdatedEvent, orderPlacedEvent } from '../helpers/cart-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher';

const shopId = 'shop-activity';
let database: TestDatabase;
let smtp: MailCatcher;
let mailer: Mailer;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startMailCatcher({ rejectRecipient: (address) => address.startsWith('bounce@') });
  mailer = createSmtpMailer({ url: smtp.url, from: 'Shop <shop@mail.example.com>' });
});
afterAll(async () => {
  mailer?.close();
  await smtp?.close();
  await database?.drop();
});
beforeEach(() => {
  smtp.messages.length = 0;
});

function activities() {
  return createActivities({
    db: database.db,
    mailer,
    templates: createTemplateRenderer({ dir: templatesDir }),
    messageIdDomain: 'mail.example.com',
  });
}

/** Stores the cart as the webhook would, and returns the activity input for its reminder. */
async function storedCart(customer: Record<string, unknown> = {}): Promise<SendCartEmailInput> {
  const event = CartUpdatedEvent.parse(cartUpdatedEvent({ customer }));
  await storeCartEvent(database.db, { shopId, event, payload: event });
  return { shopId, cartId: event.data.id, step: 'reminder', cart: event.data };
}

const messageRows = (cartId: string) =>
  database.sql`select key, status, step, template_id, template_version, message_id_header, reason, sent_at from messages where cart_id = ${cartId}`;

describe('sendCartEmail activity (real Postgres, real SMTP)', () => {
  it('sends one email and records it with the template version and Message-ID', async () => {
    const input = await storedCart();
    const result = await new MockActivityEnvironment().run(activities().sendCartEmail, input);
    expect(result).toEqual({ status: 'sent' });
    const [mail] = await smtp.waitFor(1);
    const [row] = await messageRows(input.cartId);
    expect(row).toMatchObject({ status: 'sent', step: 'reminder', template_id: 'cart-reminder' });
    expect(row?.template_version).toMatch(/^[0-9a-f]{16}$/);
    expect(row?.sent_at).toBeInstanceOf(Date);
    expect(mail?.messageId).toBe(row?.message_id_header);
    expect(mail?.messageId).toMatch(/^<[0-9a-f]{32}@mail\.example\.com>$/);
  });

  it('run twice for the same cart step (a retried activity), sends exactly one email', async () => {
    const input = await storedCart();
    const send = activities().sendCartEmail;
    expect(await new MockActivityEnvironment().run(send, input)).toEqual({ status: 'sent' });
    expect(await new MockActivityEnvironment().run(send, input)).toEqual({ status: 'already_sent' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages).toHaveLength(1);
    expect(await messageRows(input.cartId)).toHaveLength(1);
  });

  it('a retry after a crash between claim and SMTP sends with the same Message-ID', async () => {
    const input = await storedCart();
    // Simulate an attempt that claimed the row and died before SMTP accepted the message.
    await database.sql`insert into messages (key, shop_id, cart_id, step, template_id, template_version, status, message_id_header)
      values (${`cart:${shopId}:${input.cartId}:reminder`}, ${shopId}, ${input.cartId}, 'reminder', 'cart-reminder', 'x', 'sending', 'x')`;
    expect(await new MockActivityEnvironment().run(activities().sendCartEmail, input)).toEqual({ status: 'sent' });
    await smtp.waitFor(1);
    const [row] = await messageRows(input.cartId);
    expect(row?.status).toBe('sent');
  });

  it('re-checks before sending: a cart bought meanwhile gets no email', async () => {
    const input = await storedCart();
    const order = OrderPlacedEvent.parse(orderPlacedEvent({ cartId: input.cartId }));
    await storeCartEvent(database.db, { shopId, event: order, payload: order });
    const result = await new MockActivityEnvironment().run(activities().sendCartEmail, input);
    expect(result).toEqual({ status: 'skipped', reason: 'purchased' });
    const [row] = await messageRows(input.cartId);
    expect(row).toMatchObject({ status: 'skipped', reason: 'purchased' });
    expect(smtp.messages).toHaveLength(0);
  });

  it('sends no marketing email without consent', async () => {
    const input = await storedCart({ email: 'no-consent@example.com', marketingConsent: false });
    const result = await new MockActivityEnvironment().run(activities().sendCartEmail, input);
    expect(result).toEqual({ status: 'skipped', reason: 'no_consent' });
    expect(smtp.messages).toHaveLength(0);
  });

  it('a permanent SMTP rejection (550) fails the step without retrying and records why', async () => {
    const input = await storedCart({ email: 'bounce@example.com' });
    const run = new MockActivityEnvironment().run(activities().sendCartEmail, input);
    await expect(run).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(run).rejects.toMatchObject({ nonRetryable: true, type: 'PermanentSendError' });
    const [row] = await messageRows(input.cartId);
    expect(row).toMatchObject({ status: 'failed', reason: 'SMTP rejected the message permanently (550)' });
  });
});
