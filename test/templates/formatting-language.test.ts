import { describe, expect, it } from 'vitest';
import { templatesDir } from '../../app/services';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { loadSample } from '../../mail/template-samples';
import { loadTemplateSources } from '../../mail/template-source';

// The shop writes cart-incentive in English and Russian: a German customer gets the English email,
// and its dates and prices must read as English too, not "Donnerstag" and "39,80 €" in English prose.
const renderer = createTemplateRenderer({ dir: templatesDir, watch: false });
const NOW = new Date('2026-11-30T12:00:00Z');

async function incentiveFor(sample: string) {
  const sources = await loadTemplateSources(templatesDir, 'cart-incentive');
  return renderer.render('cart-incentive', await loadSample(sources, `samples/${sample}.json`), { now: NOW });
}

describe('an email reads in one language: its words, dates and prices', () => {
  it('a de-DE customer of the English email reads English dates and prices; a Russian customer’s Russian email is as before', async () => {
    const german = await incentiveFor('german-customer');
    expect(german.locale).toBe('en');
    const everything = [german.subject, german.preheader, german.text, german.html].join('\n');
    expect(german.text).toContain('It works once, until Thursday, 31 December 2099 at 21:00.');
    expect(german.text).toContain('2 × €19.90 = €39.80');
    expect(german.text).toContain('Total: €1,274.30 before your discount');
    expect(german.preheader).toBe('Code CF-D3E4N7, valid until 31 Dec 2099 — 3 items saved, total €1,274.30');
    // Percentages as the prices are: en-DE's data would write "12,5 %" beside "€1,274.30".
    expect(german.subject).toMatch(/^12\.5% off your cart/);
    expect(everything).not.toMatch(/Donnerstag|Dezember|Dez\.|39,80|1\.274,30|12,5/);

    const russian = await incentiveFor('russian');
    expect(russian.locale).toBe('ru');
    expect(russian.text).toContain('до 31 декабря 2099 г. в 23:00');
    expect(russian.text).toContain('2 × 1\u00a0290,00\u00a0₽ = 2\u00a0580,00\u00a0₽');
    expect(russian.text).toContain('Итого: 6\u00a0420,00\u00a0₽');
    expect(russian.subject).toBe('Скидка 10\u00a0% на вашу корзину, Ольга');
  });
});
