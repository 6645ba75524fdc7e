import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type CartEmailData, buildCartEmailData } from '../domain/cart-email-data';
import { Cart } from '../domain/events';
import { TemplateError, displayPath } from './template-errors';
import type { TemplateSources } from './template-source';

/** A sample is a cart in the webhook's `data` format, plus an optional discount to show. */
const Sample = Cart.extend({
  discount: z
    .object({
      code: z.string().min(1),
      expiresAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }),
      percentOff: z.number().positive().max(100).optional(),
    })
    .optional(),
});

/**
 * Reads `samples/<name>` of a template as the data a real send would get; with `locale`, as a
 * customer with that language would get it (prices and dates formatted for it).
 */
export async function loadSample(
  sources: TemplateSources,
  name: string,
  options: { locale?: string } = {},
): Promise<CartEmailData> {
  const file = path.join(sources.folder, name);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new TemplateError(`${displayPath(file)}: cannot read sample (${(error as Error).message})`);
  }
  const result = Sample.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new TemplateError(`${displayPath(file)}: ${issues.join('; ')}`);
  }
  const { discount, ...cart } = result.data;
  if (options.locale) cart.customer.locale = options.locale;
  return buildCartEmailData(cart, { discount: discount ?? null });
}
