import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TemplatesServer, serveTemplates } from '../../cli/templates-serve';
import { copyOfTemplates } from './fixtures';
import { launchChromium } from '../helpers/chromium';

let dir: string;
let server: TemplatesServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  dir = await copyOfTemplates();
  server = await serveTemplates({ dir, port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Width of the product-image column inside one of the preview frames. */
const imageColumnWidth = (frame: 'desktop' | 'phone') =>
  page
    .frameLocator(`#${frame}`)
    .locator('.mj-column-per-30')
    .first()
    .evaluate((element) => element.getBoundingClientRect().width);

describe('templates preview page (real headless Chromium)', () => {
  it('lists the templates and renders the first sample at desktop and phone widths', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.locator('#templates a').allTextContents()).toContain('cart-reminder');
    await page.locator('#templates a').getByText('cart-reminder', { exact: true }).click();
    await page.frameLocator('#desktop').getByText('Return to your cart').waitFor();
    await page.frameLocator('#phone').getByText('Return to your cart').waitFor();
    expect(await page.locator('#subject').textContent()).toBe('ООО «Ромашка», your cart is waiting'); // samples/b2b-order.json comes first
    expect((await page.locator('#phone').boundingBox())?.width).toBeCloseTo(375, -1);
    // The plain-text part beside them: the call to action keeps its URL, no HTML shows through.
    await expect.poll(() => page.locator('#text').textContent()).toMatch(/Return to your cart \[https?:\/\/\S+\]/);
    expect(await page.locator('#text').textContent()).not.toMatch(/<[a-z]|&amp;|&#/i);
    // MJML stacks columns below 480 px: on the phone the image column takes the whole width.
    expect(await imageColumnWidth('desktop')).toBeLessThan(200);
    expect(await imageColumnWidth('phone')).toBeGreaterThan(300);
    const screenshot = await page.screenshot({ path: path.join(os.tmpdir(), 'cartflow-templates-preview.png') });
    expect(screenshot.subarray(1, 4).toString()).toBe('PNG');
  });

  it('switches language, sample and subject variant', async () => {
    await page.locator('#locale').selectOption('ru');
    await page.frameLocator('#phone').getByText('Вернуться в корзину').waitFor();
    await page.locator('#sample').selectOption('samples/b2b-order.json');
    await page.frameLocator('#desktop').getByText('Итого: 97\u00a0951,50\u00a0₽ (без НДС)').waitFor();
    expect(await page.locator('#text').textContent()).toContain('Итого: 97\u00a0951,50\u00a0₽ (без НДС)');
    await page.locator('#variant').selectOption('1');
    await expect.poll(() => page.locator('#subject').textContent()).toBe('ООО «Ромашка», мы сохранили 43 товара');
  });

  it('renders again by itself when a template file is edited', async () => {
    const reloads = Number(await page.locator('body').getAttribute('data-reloads'));
    const file = path.join(dir, 'cart-reminder', 'body.ru.mjml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('Вернуться в корзину', 'Оформить заказ'));
    await page.frameLocator('#phone').getByText('Оформить заказ').waitFor();
    expect(Number(await page.locator('body').getAttribute('data-reloads'))).toBeGreaterThan(reloads);
  });

  it('shows a broken template as file:line: message instead of the email', async () => {
    const file = path.join(dir, 'cart-reminder', 'body.ru.mjml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('{{total}}', '{{totl}}'));
    await expect
      .poll(() => page.locator('#errors').textContent())
      .toMatch(/cart-reminder\/body\.ru\.mjml:\d+:\d+: missing variable "totl" in \{\{totl\}\}/);
  });

  it('answers a subject variant that is not an index with a 422 naming it, not "no subject line NaN"', async () => {
    const render = (variant: string) =>
      fetch(`${server.url}api/render?template=cart-reminder&variant=${encodeURIComponent(variant)}`);
    const refused = await render('abc');
    expect(refused.status).toBe(422);
    expect(await refused.json()).toEqual({ error: 'variant must be a subject line\'s index from 0, not "abc"' });
    expect((await render('1')).status).toBe(200);
  });
});
