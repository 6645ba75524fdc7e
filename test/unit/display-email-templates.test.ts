import { describe, expect, it } from 'vitest';
import { templatesDir } from '../../app/services';
import { buildCartEmailData } from '../../domain/cart-email-data';
import { Cart } from '../../domain/events';
import { createTemplateRenderer } from '../../mail/template-renderer';
import sample from '../../templates/cart-reminder/samples/two-items.json';

const renderer = createTemplateRenderer({ dir: templatesDir });

describe('a customer on an IDN domain, in the emails that show their address', () => {
  for (const template of ['welcome', 'welcome-getting-started']) {
    it(`${template} tells them to sign in with покупатель@магазин.рф, not its A-labels`, async () => {
      const cart = Cart.parse({ ...sample, customer: { ...sample.customer, email: 'покупатель@магазин.рф' } });
      expect(cart.customer.email).toBe('покупатель@xn--80aairftm.xn--p1ai');
      for (const locale of ['en-GB', 'ru-RU']) {
        const email = await renderer.render(template, { ...buildCartEmailData(cart), locale });
        expect(email.html).toContain('покупатель@магазин.рф');
        expect(email.text).toContain('покупатель@магазин.рф');
        expect(email.text).not.toContain('покупатель@xn--');
        // Links keep the address as stored: the shop's unsubscribe page looks it up.
        expect(email.text).toContain('%40xn--80aairftm.xn--p1ai');
      }
    });
  }
});
