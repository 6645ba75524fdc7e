import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type CartEmailData, type EmailDiscount, buildCartEmailData, cartMoneyLocale } from '../domain/cart-email-data';
import { displayEmail } from '../domain/display-email';
import { EmailAddress } from '../domain/email-address';
import { Cart } from '../domain/events';
import { formatMoney } from '../domain/money';
import { TemplateError, displayPath } from './template-errors';
import { type TemplateSources, resolveLocale } from './template-source';

/**
 * A sample is a cart in the webhook's `data` format (with an order's `orderName`), plus what a send adds: an optional discount
 * (of one kind, as the chain step issues it) and, for the manager alerts, the `buyer`.
 */
const Sample = Cart.extend({
  /** An order's name as its customer knows it ("#1001"), as an order.placed's `orderName` gives it. */
  orderName: z.string().trim().min(1).max(128).optional(),
  discount: z
    .object({
      code: z.string().min(1),
      expiresAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }),
      percentOff: z.number().positive().max(100).optional(),
      /** A decimal amount in the cart's currency, e.g. "5.00"; shown formatted, as sends show it. */
      amountOff: z
        .string()
        .regex(/^\d+(\.\d+)?$/, 'must be a decimal amount like "5.00"')
        .optional(),
      freeShipping: z.boolean().optional(),
    })
    .refine(
      (discount) =>
        [discount.percentOff, discount.amountOff, discount.freeShipping || undefined].filter(Boolean).length <= 1,
      'give at most one of percentOff, amountOff, freeShipping',
    )
    .optional(),
  buyer: z.object({ email: EmailAddress, name: z.string().default(''), id: z.string().default('') }).optional(),
});

/** What a sample renders with: the cart's data, and `buyer` when the sample has one. */
export type SampleData = CartEmailData & { buyer?: { email: string; name: string; id: string } };

/**
 * Reads `samples/<name>` of a template as the data a real send would get; with `locale`, as a
 * customer with that language would get it (the sample's `locales.<locale>` overrides applied, and
 * prices formatted as a send formats them: in the language of the template rendered for it).
 */
export async function loadSample(
  sources: TemplateSources,
  name: string,
  options: { locale?: string } = {},
): Promise<SampleData> {
  const file = path.join(sources.folder, name);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new TemplateError(`${displayPath(file)}: cannot read sample (${(error as Error).message})`);
  }
  const result = Sample.safeParse(options.locale ? localized(json, options.locale) : json);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new TemplateError(`${displayPath(file)}: ${issues.join('; ')}`);
  }
  const { discount, buyer, ...cart } = result.data;
  if (options.locale) cart.customer.locale = options.locale;
  const templateLanguage = resolveLocale(sources, cart.customer.locale);
  const data = buildCartEmailData(cart, {
    discount: discount ? emailDiscount({ discount, cart, templateLanguage }) : null,
    templateLanguage,
  });
  // As a send shows it (domain/manager-alert-data.ts): the buyer's domain in U-labels.
  return buyer ? { ...data, buyer: { ...buyer, email: displayEmail(buyer.email) } } : data;
}

/**
 * A sample's `locales.<locale>` (or the language's, `ru` for `ru-RU`) merged over the sample: the
 * same cart as a shop writing in that language shows it (translated product titles). Objects merge
 * key by key and arrays element by element, so `"items": [{ "title": "…" }]` renames the first item.
 */
function localized(json: unknown, locale: string): unknown {
  if (!isObject(json)) return json;
  const { locales, ...sample } = json;
  if (!isObject(locales)) return sample;
  const lower = locale.toLowerCase();
  const byLocale = new Map(Object.entries(locales).map(([key, value]) => [key.toLowerCase(), value]));
  const overrides = byLocale.get(lower) ?? byLocale.get(lower.split('-')[0] ?? '');
  return overrides === undefined ? sample : deepMerge(sample, overrides);
}

function deepMerge(base: unknown, override: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(override)) {
    return Array.from({ length: Math.max(base.length, override.length) }, (_, index) =>
      index < override.length ? deepMerge(base[index], override[index]) : base[index],
    );
  }
  if (isObject(base) && isObject(override)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) merged[key] = deepMerge(base[key], value);
    return merged;
  }
  return override;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The discount as the chain step shows it (activities/run-chain-step.ts `discountView`). */
function emailDiscount(input: {
  discount: NonNullable<z.infer<typeof Sample>['discount']>;
  cart: Cart;
  templateLanguage: string;
}): EmailDiscount {
  const { discount, cart, templateLanguage } = input;
  const { amountOff, freeShipping, ...rest } = discount;
  const locale = cartMoneyLocale(cart, templateLanguage);
  return {
    ...rest,
    ...(amountOff ? { amountOff: formatMoney({ amount: amountOff, currency: cart.currency, locale }) } : {}),
    freeShipping: freeShipping ?? false,
  };
}
