import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templatesDir } from '../../app/services';
import { compileTemplate, renderCompiled } from '../../mail/template-compiler';
import { loadSample } from '../../mail/template-samples';
import { listTemplateIds, loadTemplateSources } from '../../mail/template-source';
import { launchChromium } from '../helpers/chromium';

const artifacts = path.resolve(import.meta.dirname, '../../test-artifacts/mobile');
const PHONE = { width: 375, height: 812 };

let browser: Browser;
let page: Page;

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: PHONE });
  // Sample images live on shop.example.com: answer every request with nothing rather than wait on DNS.
  await page.route('**/*', (route) => route.fulfill({ status: 204, body: '' }));
});
afterAll(async () => {
  await browser?.close();
});

/** What a phone shows of one email: horizontal overflow, and on how many lines each discount code sits. */
async function layoutAt375(html: string, code: string | undefined) {
  await page.setContent(html, { waitUntil: 'load' });
  return page.locator('html').evaluate((root, discountCode) => {
    const document = root.ownerDocument;
    const scroller = document.scrollingElement!;
    const codes = discountCode
      ? [...document.querySelectorAll('body *')].filter(
          (element) => element.children.length === 0 && element.textContent?.trim() === discountCode,
        )
      : [];
    return {
      scrollWidth: scroller.scrollWidth,
      innerWidth: document.defaultView!.innerWidth,
      codeLines: codes.map((element) => element.getClientRects().length),
      emptyColumns: [...document.querySelectorAll('[class^="mj-column-per-"]')].filter(
        (column) => !column.textContent?.trim() && !column.querySelector('img'),
      ).length,
    };
  }, code);
}

describe('every template on a 375 px phone (real headless Chromium)', async () => {
  const ids = await listTemplateIds(templatesDir);

  it.each(ids)('%s: no horizontal scroll, the discount code on one line, no empty column', async (id) => {
    const sources = await loadTemplateSources(templatesDir, id);
    expect(sources.samples).toEqual(expect.arrayContaining(['samples/hostile-names.json']));
    for (const locale of sources.locales) {
      const compiled = await compileTemplate(sources, locale);
      for (const sample of sources.samples) {
        const data = await loadSample(sources, sample, { locale });
        const email = renderCompiled(compiled, data, { now: new Date('2026-11-23T12:00:00Z') });
        const shown = data.discount && email.html.includes(data.discount.code) ? data.discount.code : undefined;
        const layout = await layoutAt375(email.html, shown);
        const name = `${id}.${locale}.${path.basename(sample, '.json')}`;
        await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
        expect(layout.scrollWidth, `${name}: page wider than the phone`).toBeLessThanOrEqual(layout.innerWidth);
        expect(layout.emptyColumns, `${name}: empty column`).toBe(0);
        if (shown) {
          expect(layout.codeLines.length, `${name}: the code is shown`).toBeGreaterThan(0);
          expect(layout.codeLines, `${name}: the code wraps`).toEqual(layout.codeLines.map(() => 1));
        }
      }
    }
  });
});
