import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templatesDir } from '../../app/services';
import { compileTemplate, renderCompiled } from '../../mail/template-compiler';
import { loadSample } from '../../mail/template-samples';
import { listTemplateIds, loadTemplateSources } from '../../mail/template-source';
import { launchChromium } from '../helpers/chromium';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 600, height: 800 } });
  // Sample images live on shop.example.com: answer every request with nothing rather than wait on DNS.
  await page.route('**/*', (route) => route.fulfill({ status: 204, body: '' }));
});
afterAll(async () => {
  await browser?.close();
});

// What a screen reader offers in Chromium's accessibility tree: the email's language, one heading to
// jump to (the headline, not the shop name above it), and layout tables that are not read as tables.
describe('every template as a screen reader reads it (real headless Chromium)', async () => {
  const ids = await listTemplateIds(templatesDir);

  it.each(ids)('%s: the language, one level-1 heading with the headline, no data tables', async (id) => {
    const sources = await loadTemplateSources(templatesDir, id);
    for (const locale of sources.locales) {
      const compiled = await compileTemplate(sources, locale);
      const data = await loadSample(sources, 'samples/hostile-names.json', { locale });
      const email = renderCompiled(compiled, data, { now: new Date('2026-11-23T12:00:00Z') });
      await page.setContent(email.html, { waitUntil: 'load' });
      const name = `${id}.${locale}`;

      expect(await page.locator('html').getAttribute('lang'), name).toBe(locale);
      const headings = page.getByRole('heading');
      expect(await headings.count(), `${name}: headings`).toBe(1);
      const headline = page.getByRole('heading', { level: 1 });
      const text = (await headline.innerText()).trim();
      expect(text, `${name}: the headline is the heading`).not.toBe('');
      // The plain-text part shows the same headline, not shouted in capitals.
      expect(email.text, `${name}: text part`).toContain(text);
      expect(await page.getByRole('table').count(), `${name}: layout tables read as data`).toBe(0);
    }
  });
});
