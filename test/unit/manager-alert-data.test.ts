import { describe, expect, it } from 'vitest';
import { templatesDir } from '../../app/services';
import { Cart } from '../../domain/events';
import { buildManagerAlertData } from '../../domain/manager-alert-data';
import { createTemplateRenderer } from '../../mail/template-renderer';
import sample from '../../templates/b2b-manager-alert/samples/one-line.json';

const renderer = createTemplateRenderer({ dir: templatesDir });

/** A buyer on a .рф domain, without a name, so the address is what the alert names them by. */
function cartOfRussianBuyer(): Cart {
  const { locales: _locales, ...cart } = sample;
  return Cart.parse({ ...cart, customer: { ...cart.customer, email: 'покупатель@магазин.рф', name: undefined } });
}

describe('manager alert data', () => {
  it('keeps the canonical A-label form in the cart, and shows the buyer in U-labels', () => {
    const cart = cartOfRussianBuyer();
    expect(cart.customer.email).toBe('покупатель@xn--80aairftm.xn--p1ai');
    const data = buildManagerAlertData({ cart, managerEmail: 'sales@shop.example' });
    expect(data.buyer.email).toBe('покупатель@магазин.рф');
    // The recipient (footer, unsubscribe link) is the manager, in the form the send uses.
    expect(data.customer.email).toBe('sales@shop.example');
  });

  it("a German buyer's alert in English shows the total and the cart's last change in English, the buyer's tag as sent", async () => {
    const { locales: _locales, ...plain } = sample;
    const cart = Cart.parse({ ...plain, customer: { ...plain.customer, locale: 'de-DE', timeZone: 'Europe/Berlin' } });
    const templateLanguage = await renderer.languageFor('b2b-manager-alert', cart.customer.locale);
    const data = buildManagerAlertData({ cart, managerEmail: 'sales@shop.example', templateLanguage });
    const email = await renderer.render('b2b-manager-alert', data);
    expect(email.locale).toBe('en');
    expect(email.subject).toMatch(/, €4,668\.00$/);
    expect(email.text).toContain('Last changed: 23 November 2026 at 11:00');
    expect(email.text).toContain("Buyer's language: de-DE");
    expect(email.text).not.toMatch(/4\.668,00|um 11:00/);
  });

  for (const template of ['b2b-manager-alert', 'b2b-reorder-manager-alert']) {
    it(`${template} shows the buyer's address as покупатель@магазин.рф in subject, HTML and text`, async () => {
      const data = buildManagerAlertData({ cart: cartOfRussianBuyer(), managerEmail: 'sales@shop.example' });
      for (const locale of ['en-GB', 'ru-RU']) {
        const email = await renderer.render(template, { ...data, locale });
        expect(email.subject).toContain('покупатель@магазин.рф');
        expect(email.html).toContain('покупатель@магазин.рф');
        expect(email.text).toContain('покупатель@магазин.рф');
        for (const part of [email.subject, email.html, email.text]) expect(part).not.toContain('xn--');
      }
    });
  }
});
