import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverEmail } from '../../activities/deliver-email';
import { templatesDir } from '../../app/services';
import { checkTemplates, formatProblem } from '../../mail/template-check';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { type SampleData, loadSample } from '../../mail/template-samples';
import { loadTemplateSources } from '../../mail/template-source';
import { sendKey } from '../../domain/ids';
import { type DeliveryStack, startDeliveryStack } from '../helpers/delivery-stack';
import { activityEnvironment } from '../helpers/test-logger';
import { body, templateWith } from './fixtures';

// Subjects and preheaders are plain text: what the customer reads in the inbox is what the shop
// sent, and the HTML shows the same text escaped exactly once.
const renderer = createTemplateRenderer({ dir: templatesDir, watch: false });
const SEAN = "Seán O'Brien & Co";

async function sample(templateId: string, name: string): Promise<SampleData> {
  return loadSample(await loadTemplateSources(templatesDir, templateId), name);
}
const withName = (data: SampleData, name: string): SampleData => ({ ...data, customer: { ...data.customer, name } });
/** What the HTML shows as the document title, the body's aria-label and the hidden preheader. */
const shown = (html: string) => ({
  title: /<title>([^<]*)<\/title>/.exec(html)?.[1],
  ariaLabel: /<div[^>]*\saria-label="([^"]*)"/.exec(html)?.[1],
  preheader: /<div style="display:none;[^"]*">([^<]*)/.exec(html)?.[1]?.trim(),
});

describe('the hostile sample, as the customer sees it', () => {
  it(`${SEAN}: the subject is the text itself, byte for byte; the HTML escapes it once`, async () => {
    const data = await sample('cart-reminder', 'samples/hostile-names.json');
    expect(data.customer.name).toBe(SEAN);
    const email = await renderer.render('cart-reminder', data, { subjectVariant: 0 });
    expect(Buffer.from(email.subject)).toEqual(Buffer.from("Seán O'Brien & Co, your cart is waiting"));
    const html = shown(email.html);
    expect(html.title).toBe('Seán O&#x27;Brien &amp; Co, your cart is waiting');
    expect(html.ariaLabel).toBe(html.title);
    expect(email.html).not.toMatch(/&amp;(amp|#x27|quot|lt|gt);/);
    expect(email.text).toContain("Seán O'Brien & Co, you left something in your cart");
    expect(email.text).not.toMatch(/&(#x?[0-9a-f]+|[a-z]+);/i);
    const second = await renderer.render('cart-reminder', data, { subjectVariant: 1 });
    expect(second.subject).toBe("Seán O'Brien & Co, still thinking it over? 5 items saved");
  });

  it('the Russian sample: quotes, Hebrew and emoji stay; the bidi override is removed; the name, holding Hebrew, is isolated', async () => {
    const data = await sample('cart-reminder', 'samples/hostile-names-ru.json');
    expect(data.customer.name).toContain('\u202e');
    const email = await renderer.render('cart-reminder', data, { subjectVariant: 0 });
    expect(email.subject).toBe("\u2068Д'Артаньян & «Ко» 🌷 שרה\u2069, ваша корзина ждёт");
    expect(shown(email.html).title).toBe('\u2068Д&#x27;Артаньян &amp; «Ко» 🌷 שרה\u2069, ваша корзина ждёт');
  });

  it('a product title with quotes and angle brackets reads as written in the HTML and the text part', async () => {
    const email = await renderer.render('cart-reminder', await sample('cart-reminder', 'samples/hostile-names.json'));
    expect(email.html).toContain('&quot;Tom &amp; Jerry&quot; mug &lt;350 ml&gt; — it&#x27;s back ☕');
    expect(email.text).toContain('"Tom & Jerry" mug <350 ml> — it\'s back ☕');
  });

  it('every shipped template passes the check with the hostile samples in both languages', async () => {
    // The spam score has its own test (check.test.ts).
    const report = await checkTemplates({ dir: templatesDir, spam: false });
    expect(report.problems.filter((problem) => problem.severity === 'error').map(formatProblem)).toEqual([]);
    for (const id of report.templates) {
      const sources = await loadTemplateSources(templatesDir, id);
      expect(sources.samples).toEqual(
        expect.arrayContaining(['samples/hostile-names.json', 'samples/hostile-names-ru.json']),
      );
    }
  });
});

describe('a name cannot break the mail header', () => {
  it('a line break cannot add a header, and a bidi override is dropped from the subject', async () => {
    const data = await sample('cart-reminder', 'samples/two-items.json');
    const injected = await renderer.render('cart-reminder', withName(data, 'Eve\r\nBcc: x@y'), { subjectVariant: 0 });
    expect(injected.subject).toBe('Eve Bcc: x@y, your cart is waiting');
    const reversed = await renderer.render('cart-reminder', withName(data, 'Eve \u202egnp.exe\u202c'), {
      subjectVariant: 0,
    });
    expect(reversed.subject).toBe('Eve gnp.exe, your cart is waiting');
    expect(shown(reversed.html).title).toBe('Eve gnp.exe, your cart is waiting');
  });
});

describe('a preheader is plain text too', () => {
  it('not escaped in the preheader, escaped once in the hidden preheader, still strict', async () => {
    const dir = await templateWith({
      'body.mjml': body('<mj-section><mj-column><mj-text>Hello</mj-text></mj-column></mj-section>'),
      'preheader.hbs': '{{customer.name}}: "your" <cart> & more\n',
    });
    const data = withName(await sample('cart-reminder', 'samples/two-items.json'), SEAN);
    const email = await createTemplateRenderer({ dir, watch: false }).render('t', data);
    expect(email.preheader).toBe('Seán O\'Brien & Co: "your" <cart> & more');
    expect(shown(email.html).preheader).toBe('Seán O&#x27;Brien &amp; Co: &quot;your&quot; &lt;cart&gt; &amp; more');
    expect(email.text).not.toContain('<cart>'); // the hidden preheader stays out of the text part

    const strict = await templateWith({
      'body.mjml': body('<mj-section><mj-column><mj-text>Hello</mj-text></mj-column></mj-section>'),
      'preheader.hbs': '{{customer.nickname}}, your cart\n',
    });
    await expect(createTemplateRenderer({ dir: strict, watch: false }).render('t', data)).rejects.toThrow(
      /t\/preheader\.hbs:1:\d+: missing variable "nickname"/,
    );
  });
});

describe('a real send: the Subject header decodes to the text itself', () => {
  let delivery: DeliveryStack;
  beforeAll(async () => {
    delivery = await startDeliveryStack();
  });
  afterAll(() => delivery?.close());

  it(`${SEAN} and a name with CR/LF go out through SMTP with the subject as written, and no injected header`, async () => {
    const data = await sample('cart-reminder', 'samples/two-items.json');
    const names = [SEAN, 'Eve\r\nBcc: x@y'];
    for (const [index, name] of names.entries()) {
      const cartId = `cart-${randomUUID().slice(0, 8)}`;
      const send = {
        key: sendKey({ shopId: 'shop-subject-text', cartId, step: 'reminder' }),
        shopId: 'shop-subject-text',
        cartId,
        customerId: null,
        step: 'reminder',
        templateId: 'cart-reminder',
        data: { ...withName(data, name), cartId },
        to: `s-${index}@example.com`,
        kind: 'marketing' as const,
        recipientRole: 'customer' as const,
      };
      expect(await activityEnvironment().run(deliverEmail, delivery.deps, send)).toBe('sent');
    }
    const received = await delivery.smtp.waitFor(names.length);
    const byRecipient = (to: string) => received.find((message) => JSON.stringify(message.to).includes(to))!;
    expect(byRecipient('s-0@example.com').subject).toMatch(/^Seán O'Brien & Co, (your cart is waiting|still thinking)/);
    const injected = byRecipient('s-1@example.com');
    expect(injected.subject).toMatch(/^Eve Bcc: x@y, /);
    expect(injected.bcc).toBeUndefined();
    expect(injected.headers.has('bcc')).toBe(false);
    // The header block ends at the first empty line; a Bcc there would be a header of its own.
    for (const raw of delivery.smtp.raw) {
      const headerBlock = raw.toString('latin1').split('\r\n\r\n')[0]!;
      expect(headerBlock).not.toMatch(/^bcc:/im);
      expect(headerBlock).toMatch(/^Subject: /m);
    }
  });
});
