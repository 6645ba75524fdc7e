import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { templatesDir } from '../../app/services';
import { buildCartEmailData } from '../../domain/cart-email-data';
import { Cart } from '../../domain/events';
import { pluralize } from '../../domain/plural';
import { formatDate } from '../../domain/date-format';
import { TemplateError, createTemplateRenderer } from '../../mail/template-renderer';
import { loadSample } from '../../mail/template-samples';
import { loadTemplateSources } from '../../mail/template-source';
import sample from '../../templates/cart-reminder/samples/two-items.json';
import { body, copyOfTemplates, templateWith } from '../templates/fixtures';

const renderer = createTemplateRenderer({ dir: templatesDir });
const decoded = (html: string) => html.replaceAll('&#x3D;', '=').replaceAll('&amp;', '&');
const cart = (overrides: Record<string, unknown> = {}, customer: Record<string, unknown> = {}) =>
  Cart.parse({ ...sample, ...overrides, customer: { ...sample.customer, ...customer } });

describe('Russian plural forms and formats', () => {
  it.each([
    [1, '1 товар'],
    [2, '2 товара'],
    [5, '5 товаров'],
    [11, '11 товаров'],
    [21, '21 товар'],
    [22, '22 товара'],
    [1000, '1\u00a0000 товаров'],
  ])('%i → %s', (count, expected) => {
    expect(pluralize({ count, locale: 'ru', forms: { one: 'товар', few: 'товара', many: 'товаров' } })).toBe(expected);
  });

  it('a missing form is an error naming the forms the language needs', () => {
    expect(() => pluralize({ count: 3, locale: 'ru', forms: { one: 'товар', many: 'товаров' } })).toThrow(
      /no "few" form for 3 in ru \(give few=, many=, one=, other=\)/,
    );
  });

  it('dates are shown in the recipient time zone', () => {
    const value = '2026-11-30T22:30:00Z';
    expect(formatDate({ value, locale: 'ru', timeZone: 'Europe/Moscow', withTime: true })).toBe(
      '1 декабря 2026 г. в 01:30',
    );
    expect(formatDate({ value, locale: 'en', timeZone: 'America/New_York' })).toBe('November 30, 2026');
  });

  it('a Russian customer gets the Russian email with roubles, plurals and a Russian footer', async () => {
    const data = buildCartEmailData(cart({ currency: 'RUB', total: '1234.50' }, { locale: 'ru-RU', name: 'Борис' }));
    const email = await renderer.render('cart-reminder', data);
    expect(email.locale).toBe('ru');
    expect(email.subject).toBe('Борис, ваша корзина ждёт');
    expect(email.preheader).toBe('3 товара в корзине на 1\u00a0234,50\u00a0₽');
    expect(email.text).toContain('Мы сохранили 3 товара.');
    expect(email.text).toMatch(/2 × 19,90\s₽ = 39,80\s₽/);
    expect(email.text).toContain('Отписаться [https://shop.example.com/unsubscribe?email=ada%40example.com]');
    expect(email.html).toContain('lang="ru"');
  });

  it('a language without a variant falls back to the shop default (en), its prices in English with the customer region', async () => {
    const customer = cart({}, { locale: 'de-DE' });
    const templateLanguage = await renderer.languageFor('cart-reminder', customer.customer.locale);
    expect(templateLanguage).toBe('en');
    const email = await renderer.render('cart-reminder', buildCartEmailData(customer, { templateLanguage }));
    expect(email.locale).toBe('en');
    expect(email.subject).toBe('Ada, your cart is waiting');
    expect(email.text).toContain('Total: €52.30');
    expect(email.text).not.toContain('52,30');
  });

  it.each([
    ['ar-SA', 'ar', '\u200f١٩٫٩٠\u00a0€'],
    ['he-IL', 'he', '\u200f19.90\u00a0\u200f€'],
  ])(
    'a right-to-left customer (%s) of a template in their language: each price is isolated, so it stays beside its own number',
    async (locale, language, unitPrice) => {
      const line = body(
        '<mj-section><mj-column><mj-text>{{#each items}}{{quantity}} × {{unitPrice}} = {{lineTotal}}\n{{/each}}</mj-text></mj-column></mj-section>',
      );
      const dir = await templateWith({ 'body.mjml': line, [`body.${language}.mjml`]: line });
      const rendererWithVariant = createTemplateRenderer({ dir, watch: false });
      const customer = cart({}, { locale });
      const templateLanguage = await rendererWithVariant.languageFor('t', locale);
      expect(templateLanguage).toBe(language);
      const email = await rendererWithVariant.render('t', buildCartEmailData(customer, { templateLanguage }));
      // Without the isolates the bidi algorithm shows "2 × 39.80 = € 19.90 €": the unit price
      // and the line total swapped (seen in Chromium).
      const isolated = (value: string) => `\u2068${value}\u2069`;
      const lineTotal = unitPrice.replace('19.90', '39.80').replace('١٩٫٩٠', '٣٩٫٨٠');
      expect(email.text).toContain(`2 × ${isolated(unitPrice)} = ${isolated(lineTotal)}`);
      expect(decoded(email.html)).toContain(isolated(unitPrice));
    },
  );

  it('a right-to-left customer (ar) of the English fallback reads English prices, with no invisible characters', async () => {
    const customer = cart({}, { locale: 'ar' });
    const templateLanguage = await renderer.languageFor('cart-reminder', 'ar');
    const email = await renderer.render('cart-reminder', buildCartEmailData(customer, { templateLanguage }));
    expect(email.locale).toBe('en');
    expect(email.text).toContain('2 × €19.90 = €39.80');
    expect(email.text).not.toMatch(/[\u2066-\u2069\u200f]/);
  });

  it('a right-to-left name keeps its place in an English subject', async () => {
    const email = await renderer.render('cart-reminder', buildCartEmailData(cart({}, { name: 'محمد Smith' })));
    // Unisolated, a line that takes its direction from its first letter reads "Smith, your cart is waiting محمد".
    expect(email.subject).toBe('\u2068محمد Smith\u2069, your cart is waiting');
    expect(email.text).toContain('\u2068محمد Smith\u2069, you left something in your cart');
  });

  it('a left-to-right customer gets no invisible characters', async () => {
    const email = await renderer.render('cart-reminder', buildCartEmailData(cart({}, { locale: 'de' })));
    expect(`${email.subject}${email.preheader}${email.text}${email.html}`).not.toMatch(/[\u2066-\u2069]/);
  });

  it('subject variants are the lines of subject.hbs', async () => {
    const data = buildCartEmailData(cart());
    const second = await renderer.render('cart-reminder', data, { subjectVariant: 1 });
    expect(second.subject).toBe('Ada, still thinking it over? 3 items saved');
    // Index 2 is the third line: the error numbers lines from 1, as campaign files and the preview do.
    await expect(renderer.render('cart-reminder', data, { subjectVariant: 2 })).rejects.toThrow(
      'cart-reminder: no subject line 3 (subject.hbs has 2 lines: 1 to 2)',
    );
  });
});

describe('helpers', () => {
  it('product links are tracked; the recovery button and unsubscribe link are not', async () => {
    const email = await renderer.render('cart-reminder', buildCartEmailData(cart()));
    const html = decoded(email.html);
    expect(html).toContain(
      'href="https://shop.example.com/p/tee-black?utm_source=cartflow&utm_medium=email&utm_campaign=cart-reminder&utm_content=product"',
    );
    expect(html).toContain('href="https://shop.example.com/cart/recover?token=sample"');
    expect(html).toContain('href="https://shop.example.com/unsubscribe?email=ada%40example.com"');
  });

  it('a discount shows its code and expiry in the recipient zone, and disappears once expired', async () => {
    const data = buildCartEmailData(cart({}, { timeZone: 'Europe/Berlin' }), {
      discount: { code: 'COMEBACK10', percentOff: 10, expiresAt: '2026-12-01T22:59:00Z' },
    });
    const before = await renderer.render('cart-reminder', data, { now: new Date('2026-11-30T00:00:00Z') });
    expect(before.text).toContain('Use code COMEBACK10 for 10% off — valid until December 1, 2026 at 11:59 PM.');
    const after = await renderer.render('cart-reminder', data, { now: new Date('2026-12-02T00:00:00Z') });
    expect(after.text).not.toContain('COMEBACK10');
  });

  it('a long cart shows ten items and says how many more there are', async () => {
    const items = Array.from({ length: 12 }, (_, index) => ({
      ...sample.items[1],
      sku: `S${index}`,
      name: `Item ${index}`,
    }));
    const email = await renderer.render('cart-reminder', buildCartEmailData(cart({ items })));
    expect(email.text).toContain('Item 9');
    expect(email.text).not.toContain('Item 10');
    expect(email.text).toContain('…and 2 more products in your cart.');
  });
});

describe('escaping', () => {
  it.each(['en', 'ru'])('hostile shop data arrives as text (%s)', async (locale) => {
    const hostile = '<img src=x onerror=alert(1)>';
    const data = buildCartEmailData(
      cart({ items: [{ ...sample.items[0], name: hostile }] }, { name: '"><script>x</script>', locale }),
    );
    const email = await renderer.render('cart-reminder', data);
    expect(email.html).not.toContain('<img src=x');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(email.html).toContain('alt="&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;"');
    // The text part is plain text: the name as the shop sent it.
    expect(email.text).toContain(hostile);
  });

  it('a template with triple braces is refused at its line', async () => {
    const dir = await templateWith({
      'body.mjml': body('<mj-section><mj-column>\n<mj-text>{{{customer.name}}}</mj-text>\n</mj-column></mj-section>'),
    });
    await expect(createTemplateRenderer({ dir }).render('t', buildCartEmailData(cart()))).rejects.toThrow(
      /t\/body\.mjml:5: \{\{\{customer\.name\}\}\} is not escaped; use \{\{…\}\}/,
    );
  });

  it('a tracked link to a non-http(s) URL is refused, naming the line', async () => {
    const dir = await templateWith({
      'body.mjml': body(
        '<mj-section><mj-column>\n<mj-button href="{{track "javascript:alert(1)"}}">x</mj-button>\n</mj-column></mj-section>',
      ),
    });
    await expect(createTemplateRenderer({ dir }).render('t', buildCartEmailData(cart()))).rejects.toThrow(
      /t\/body\.mjml:5:\d+: track: "javascript:alert\(1\)" is not an http\(s\) URL/,
    );
  });
});

describe('strict mode errors name the file, line and variable', () => {
  it('inside a loop of sections (compiled once), at the source line', async () => {
    const dir = await templateWith({
      'body.mjml': body(
        '{{#each items}}\n<mj-section><mj-column>\n<mj-text>{{name}} {{colour}}</mj-text>\n</mj-column></mj-section>\n{{/each}}',
      ),
    });
    const render = createTemplateRenderer({ dir }).render('t', buildCartEmailData(cart()));
    await expect(render).rejects.toThrow(TemplateError);
    await expect(render).rejects.toThrow(/t\/body\.mjml:6:\d+: missing variable "colour" in \{\{colour\}\}/);
  });

  it('in a subject variant, at its line', async () => {
    const dir = await templateWith({
      'body.mjml': body('<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>'),
      'subject.hbs': 'Fine\nHello {{customer.nickname}}\n',
    });
    await expect(
      createTemplateRenderer({ dir }).render('t', buildCartEmailData(cart()), { subjectVariant: 1 }),
    ).rejects.toThrow(/t\/subject\.hbs:2: missing variable "nickname"/);
  });

  it('in a shared partial, at the partial line', async () => {
    const dir = await templateWith({
      'body.mjml': body('<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>'),
    });
    const footer = path.join(dir, '_partials', 'footer.mjml');
    await writeFile(footer, (await readFile(footer, 'utf8')).replace('{{shop.postalAddress}}', '{{shop.vatId}}'));
    await expect(createTemplateRenderer({ dir }).render('t', buildCartEmailData(cart()))).rejects.toThrow(
      /_partials\/footer\.mjml:6:\d+: missing variable "vatId" in \{\{shop\.vatId\}\}/,
    );
  });

  it('invalid MJML in a partial names the partial and line', async () => {
    const dir = await templateWith({
      'body.mjml': body('<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>'),
    });
    const header = path.join(dir, '_partials', 'header.mjml');
    await writeFile(
      header,
      (await readFile(header, 'utf8')).replace('font-weight="bold"', 'font-weight="bold" colour="red"'),
    );
    const body2 = body('{{> header}}\n<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>');
    await writeFile(path.join(dir, 't', 'body.mjml'), body2);
    await expect(createTemplateRenderer({ dir }).render('t', buildCartEmailData(cart()))).rejects.toThrow(
      /_partials\/header\.mjml:3: Attribute colour is illegal/,
    );
  });

  it('a Handlebars syntax error names the file and line', async () => {
    const dir = await templateWith({
      'body.mjml': body('<mj-section><mj-column>\n{{#if items}}<mj-text>x</mj-text>\n</mj-column></mj-section>'),
    });
    await expect(createTemplateRenderer({ dir }).render('t', buildCartEmailData(cart()))).rejects.toThrow(
      /t\/body\.mjml:\d+: Handlebars syntax error/,
    );
  });
});

describe('right-to-left languages', () => {
  const hebrew = body(
    '<mj-section><mj-column><mj-text>שלום {{customer.name}}, העגלה שלך מחכה.</mj-text></mj-column></mj-section>',
  );

  it('a body written in Hebrew is laid out right to left; the English one beside it is not', async () => {
    const dir = await templateWith({
      'body.mjml': body('<mj-section><mj-column><mj-text>Hello</mj-text></mj-column></mj-section>'),
      'body.he.mjml': hebrew,
      'subject.he.hbs': 'שלום {{customer.name}}',
      'preheader.he.hbs': 'העגלה שלך',
    });
    const renderer = createTemplateRenderer({ dir });
    const he = await renderer.render('t', buildCartEmailData(cart({}, { locale: 'he-IL', name: 'דנה' })));
    expect(he.locale).toBe('he');
    expect(he.html).toMatch(/<html lang="he" dir="rtl"/);
    // Columns in right-to-left order and text aligned right: MJML's defaults are left to right.
    expect(he.html).toContain('direction:rtl');
    expect(he.html).toContain('text-align:right');
    const en = await renderer.render('t', buildCartEmailData(cart({}, { locale: 'en' })));
    expect(en.html).not.toContain('dir="rtl"');
    // A Hebrew customer of a template without a Hebrew body gets the English one, left to right.
    const fallback = await renderer.render('cart-reminder', buildCartEmailData(cart({}, { locale: 'he' })));
    expect(fallback.html).not.toContain('dir="rtl"');
  });

  it('a body that sets its own direction keeps it', async () => {
    const dir = await templateWith({
      'body.mjml': body('<mj-section><mj-column><mj-text>Hello</mj-text></mj-column></mj-section>'),
      'body.ar.mjml': hebrew.replace('<mjml lang="{{@locale}}">', '<mjml lang="{{@locale}}" dir="ltr">'),
      'subject.ar.hbs': 'مرحبا',
      'preheader.ar.hbs': 'سلتك',
    });
    const email = await createTemplateRenderer({ dir }).render('t', buildCartEmailData(cart({}, { locale: 'ar' })));
    expect(email.html).toMatch(/<html lang="ar" dir="ltr"/);
    expect(email.html).not.toContain('direction:rtl');
  });
});

describe('compiled once, reloaded on edit', () => {
  it('an edited template is used for the next render, with a new version', async () => {
    const dir = await copyOfTemplates();
    const live = createTemplateRenderer({ dir });
    const data = buildCartEmailData(cart());
    const first = await live.render('cart-reminder', data);
    expect((await live.render('cart-reminder', data)).templateVersion).toBe(first.templateVersion);
    const file = path.join(dir, 'cart-reminder', 'body.mjml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('Return to your cart', 'Finish your order'));
    const second = await live.render('cart-reminder', data);
    expect(second.text).toContain('Finish your order');
    expect(second.templateVersion).not.toBe(first.templateVersion);
  });

  it('a written text.hbs is the text part, unescaped plain text', async () => {
    const dir = await templateWith({
      'body.mjml': body('<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>'),
      'text.hbs': '{{#each items}}- {{name}}: {{lineTotal}}\n{{/each}}{{unsubscribeUrl}}\n',
    });
    const data = buildCartEmailData(cart({ items: [{ ...sample.items[0], name: 'Tom & Jerry <3' }] }));
    const email = await createTemplateRenderer({ dir }).render('t', data);
    expect(email.text).toBe('- Tom & Jerry <3: €39.80\nhttps://shop.example.com/unsubscribe?email=ada%40example.com\n');
  });
});

describe('discount kinds and the buyer, in sends and samples', () => {
  const incentive = (discount: Record<string, unknown>, locale = 'en') =>
    buildCartEmailData(cart({}, { locale }), {
      discount: { code: 'CF-1', expiresAt: '2099-12-31T20:00:00Z', ...discount },
    });

  it('a percentage is shown in the customer format, from a number or the string a send passes', async () => {
    const en = await renderer.render('cart-incentive', incentive({ percentOff: 10 }));
    expect(en.subject).toBe('10% off your cart, Ada');
    const ru = await renderer.render('cart-incentive', incentive({ percentOff: '12.5' }, 'ru'));
    expect(ru.subject).toBe('Скидка 12,5\u00a0% на вашу корзину, Ada');
  });

  it("an Arabic customer of an English-only email: the code's expiry date and the total are in English, with no right-to-left marks", async () => {
    const data = buildCartEmailData(cart({}, { locale: 'ar' }), {
      discount: { code: 'CF-1', expiresAt: '2099-12-31T20:00:00Z', percentOff: 10 },
      templateLanguage: 'en',
    });
    const email = await renderer.render('cart-incentive', data);
    const headers = `${email.subject} ${email.preheader}`;
    expect(headers).toContain('valid until Dec 31, 2099');
    expect(headers).toContain('total €52.30');
    expect(headers).not.toMatch(/[\u0600-\u06ff\u200f\u2068]/);
  });

  it('percent refuses what is not a number, naming the line', async () => {
    await expect(renderer.render('cart-incentive', incentive({ percentOff: 'ten' }))).rejects.toThrow(
      /cart-incentive\/subject\.hbs:1: percent: "ten" is not a number/,
    );
  });

  it.each([
    ['cart-incentive', 'samples/russian-amount-off.json', 'ru', 'Скидка 500,00\u00a0₽ на вашу корзину, Ольга'],
    ['cart-incentive', 'samples/free-shipping.json', 'en', 'Free shipping on your cart, Ada'],
    ['welcome-first-order', 'samples/free-shipping.json', 'en', 'Free shipping on your first order, Ada'],
  ])('%s %s shows its kind of code', async (id, sampleName, locale, subject) => {
    const sources = await loadTemplateSources(templatesDir, id);
    const email = await renderer.render(id, await loadSample(sources, sampleName, { locale }), { locale });
    expect(email.subject).toBe(subject);
  });

  it('a manager-alert sample with a buyer shows the buyer branch; one without, the fallback', async () => {
    const sources = await loadTemplateSources(templatesDir, 'b2b-manager-alert');
    const withBuyer = await renderer.render(
      'b2b-manager-alert',
      await loadSample(sources, 'samples/cleaning-supplies.json'),
    );
    expect(withBuyer.text).toContain('Customer ID: b2b-20931');
    const without = await renderer.render('b2b-manager-alert', await loadSample(sources, 'samples/one-line.json'));
    expect(without.text).toContain('Buyer: Priya Shah');
    expect(without.text).not.toContain('Customer ID:');
  });

  it("a sample's locales.ru gives its Russian render Russian titles and leaves the rest as written", async () => {
    const sources = await loadTemplateSources(templatesDir, 'cart-reminder');
    const english = await loadSample(sources, 'samples/hostile-names.json');
    const russian = await loadSample(sources, 'samples/hostile-names.json', { locale: 'ru-RU' });
    expect(english.items[0]!.name).toBe('"Tom & Jerry" mug <350 ml> — it\'s back ☕');
    expect(russian.items[0]!.name).toBe('Кружка "Tom & Jerry" <350 мл> — снова в продаже ☕');
    // Items the override leaves out ({}) keep their title; the customer keeps their name.
    expect(russian.items.map((item) => item.name).slice(1, 3)).toEqual(
      english.items.map((item) => item.name).slice(1, 3),
    );
    expect(russian.items).toHaveLength(english.items.length);
    expect(russian.customer.name).toBe("Seán O'Brien & Co");
  });

  it('a sample discount of two kinds is refused, naming the file', async () => {
    const dir = await templateWith({
      'body.mjml': body('<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>'),
      'samples/two-items.json': JSON.stringify({
        ...sample,
        discount: { code: 'X', expiresAt: '2099-12-31T20:00:00Z', percentOff: 10, freeShipping: true },
      }),
    });
    const sources = await loadTemplateSources(dir, 't');
    await expect(loadSample(sources, 'samples/two-items.json')).rejects.toThrow(
      /t\/samples\/two-items\.json: discount: give at most one of percentOff, amountOff, freeShipping/,
    );
  });
});
