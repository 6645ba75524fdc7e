import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { templatesDir } from '../../app/services';
import { buildCartEmailData } from '../../domain/cart-email-data';
import { Cart } from '../../domain/events';
import { TemplateError, createTemplateRenderer } from '../../mail/template-renderer';
import sample from '../../templates/cart-reminder/samples/two-items.json';

const renderer = createTemplateRenderer({ dir: templatesDir });
/** Handlebars writes `=` as `&#x3D;`; mail clients decode it, and so do we before comparing. */
const decoded = (html: string) => html.replaceAll('&#x3D;', '=');

describe('cart-reminder template', () => {
  it('renders the sample cart with name, items, prices, images and the recovery link', async () => {
    const email = await renderer.render('cart-reminder', buildCartEmailData(Cart.parse(sample)));
    expect(email.subject).toBe('Ada, your cart is waiting');
    expect(email.html).toContain('Organic cotton T-shirt, black, M');
    expect(email.html).toContain('€19.90');
    expect(email.html).toContain('€39.80');
    expect(email.html).toContain('https://shop.example.com/img/tee-black.jpg');
    expect(decoded(email.html)).toContain('href="https://shop.example.com/cart/recover?token=sample"');
    expect(email.text).toContain('Enamel camping mug');
    expect(email.text).toContain('Total: €52.30');
    expect(email.templateVersion).toMatch(/^[0-9a-f]{16}$/);
  });

  it('escapes webhook data: a hostile product name arrives as text', async () => {
    const cart = Cart.parse({
      ...sample,
      items: [{ ...sample.items[0], name: '<img src=x onerror=alert(1)>' }],
      customer: { ...sample.customer, name: '"><script>x</script>' },
    });
    const email = await renderer.render('cart-reminder', buildCartEmailData(cart));
    expect(email.html).not.toContain('<img src=x');
    expect(email.html).not.toContain('<script>');
    expect(decoded(email.html)).toContain('>&lt;img src=x onerror=alert(1)&gt;</a>');
  });

  it('without a customer name, greets neutrally', async () => {
    const cart = Cart.parse({ ...sample, customer: { ...sample.customer, name: undefined } });
    const email = await renderer.render('cart-reminder', buildCartEmailData(cart));
    expect(email.subject).toBe('Your cart is waiting');
  });
});

describe('template errors', () => {
  async function templateWith(body: string): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cartflow-tpl-'));
    await mkdir(path.join(dir, 'broken'));
    await writeFile(path.join(dir, 'broken', 'body.mjml'), body);
    await writeFile(path.join(dir, 'broken', 'subject.hbs'), 'Hello');
    await writeFile(path.join(dir, 'broken', 'preheader.hbs'), 'Preview');
    return dir;
  }

  it('a missing variable names the file, line and variable (strict mode, never a blank)', async () => {
    const dir = await templateWith(
      '<mjml><mj-body>\n<mj-section><mj-column>\n<mj-text>{{customer.nickname}}</mj-text>\n</mj-column></mj-section></mj-body></mjml>',
    );
    const render = createTemplateRenderer({ dir }).render('broken', { customer: { name: 'Ada' } });
    await expect(render).rejects.toThrow(TemplateError);
    await expect(render).rejects.toThrow(/broken\/body\.mjml:3:\d+: missing variable "nickname"/);
  });

  it('invalid MJML is refused with the file and line', async () => {
    const dir = await templateWith(
      '<mjml><mj-body>\n<mj-section><mj-column>\n<mj-text foo="bar">x</mj-text>\n</mj-column></mj-section></mj-body></mjml>',
    );
    await expect(createTemplateRenderer({ dir }).render('broken', {})).rejects.toThrow(
      /broken\/body\.mjml:3: Attribute foo is illegal/,
    );
  });

  it('an unknown template names the missing file', async () => {
    await expect(renderer.render('no-such-template', {})).rejects.toThrow(
      /templates\/no-such-template: no such template \(templates: (?:[a-z0-9-]+, )*cart-reminder(?:, [a-z0-9-]+)*\)/,
    );
  });
});
