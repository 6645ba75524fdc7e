import { isolateForLine } from './bidi-isolate';
import { type CartEmailData, buildCartEmailData } from './cart-email-data';
import { displayEmail } from './display-email';
import type { ChainSubject } from './events';
import { textDirectionOf } from './text-direction';

/** What the manager alerts (b2b-manager-alert, b2b-reorder-manager-alert) render with. */
export type ManagerAlertData = CartEmailData & { buyer: { email: string; name: string; id: string } };

/**
 * The cart's data addressed to its sales manager: `customer` is the recipient (the footer's
 * unsubscribe link must be the manager's own, never the buyer's: a click would otherwise
 * unsubscribe the buyer), and `buyer` is who left the cart, the address as a person reads it
 * (`покупатель@магазин.рф`, not the A-labels the rows and envelopes keep).
 */
export function buildManagerAlertData({
  cart,
  managerEmail,
  templateLanguage,
}: {
  cart: ChainSubject;
  managerEmail: string;
  /** The alert template's language for the buyer (`TemplateRenderer.languageFor`): prices are formatted in it. */
  templateLanguage?: string;
}): ManagerAlertData {
  return {
    ...buildCartEmailData(cart, templateLanguage === undefined ? {} : { templateLanguage }),
    customer: { name: '', hasName: false, email: managerEmail, displayEmail: displayEmail(managerEmail), b2b: true },
    buyer: {
      email: displayEmail(cart.customer.email),
      name: isolateForLine({
        text: cart.customer.name ?? '',
        lineDirection: textDirectionOf(templateLanguage ?? cart.customer.locale),
      }),
      id: cart.customer.id ?? '',
    },
  };
}
