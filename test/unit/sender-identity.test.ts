import { describe, expect, it } from 'vitest';
import { templatesDir } from '../../app/services';
import { buildCartEmailData } from '../../domain/cart-email-data';
import { Cart } from '../../domain/events';
import { createTemplateRenderer } from '../../mail/template-renderer';
import sample from '../../templates/cart-reminder/samples/two-items.json';

const renderer = createTemplateRenderer({ dir: templatesDir });
const data = buildCartEmailData(Cart.parse(sample));

describe('sender identity and the unsubscribe link at send time', () => {
  it('puts the configured postal address and the signed unsubscribe link in every language', async () => {
    for (const locale of ['en', 'ru']) {
      const email = await renderer.render('cart-reminder', data, {
        locale,
        postalAddress: 'Configured Shop Ltd, 1 Config Road, London',
        unsubscribeUrl: 'https://cartflow.example/u/signed-token',
      });
      expect(email.html, locale).toContain('Configured Shop Ltd, 1 Config Road, London');
      expect(email.text, locale).toContain('Configured Shop Ltd, 1 Config Road, London');
      expect(email.html, locale).toContain('href="https://cartflow.example/u/signed-token"');
      expect(email.html, locale).not.toContain('shop.example.com/unsubscribe');
    }
  });

  it("puts the configured address of the email's language, else the configured default", async () => {
    const postalAddress = { default: 'Configured Shop Ltd, 1 Config Road, London', ru: 'Лондон, Конфиг-роуд, 1' };
    const ru = await renderer.render('cart-reminder', data, { locale: 'ru-RU', postalAddress });
    const en = await renderer.render('cart-reminder', data, { locale: 'en', postalAddress });
    expect(ru.text).toContain('Лондон, Конфиг-роуд, 1');
    expect(ru.text).not.toContain('Config Road');
    expect(en.text).toContain('Configured Shop Ltd, 1 Config Road, London');
  });

  it('previews keep shop.json: its address, in the language of the email, and its unsubscribe pattern', async () => {
    const email = await renderer.render('cart-reminder', data);
    expect(email.html).toContain('Musterstraße 1');
    expect(email.html).toContain('https://shop.example.com/unsubscribe?email');
    const russian = await renderer.render('cart-reminder', data, { locale: 'ru' });
    expect(russian.text).toContain('Мустерштрассе, 1, 10115 Берлин, Германия');
    expect(russian.text).not.toContain('Musterstraße');
  });
});
