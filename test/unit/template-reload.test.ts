import { createHook } from 'node:async_hooks';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCartEmailData } from '../../domain/cart-email-data';
import { Cart } from '../../domain/events';
import { createTemplateRenderer } from '../../mail/template-renderer';
import sample from '../../templates/cart-reminder/samples/two-items.json';
import { copyOfTemplates } from '../templates/fixtures';

const data = buildCartEmailData(Cart.parse(sample));

/** How many file system requests (reads, stats, directory listings) `run` starts. */
async function fileRequestsDuring(run: () => Promise<unknown>): Promise<number> {
  let requests = 0;
  const hook = createHook({
    init(_id, type) {
      if (type.startsWith('FSREQ')) requests++;
    },
  }).enable();
  try {
    await run();
  } finally {
    hook.disable();
  }
  return requests;
}

async function edit(file: string, from: string, to: string): Promise<void> {
  await writeFile(file, (await readFile(file, 'utf8')).replace(from, to));
}

describe('the renderer keeps templates in memory until they change', () => {
  it('a steady-state send touches no file', async () => {
    const dir = await copyOfTemplates();
    const renderer = createTemplateRenderer({ dir, recheckEveryMs: 60_000 });
    const first = await fileRequestsDuring(() => renderer.render('cart-reminder', data));
    expect(first).toBeGreaterThan(5); // the first render reads the template: the counter sees file access
    const steady = await fileRequestsDuring(async () => {
      for (let index = 0; index < 50; index++) await renderer.render('cart-reminder', data, { locale: 'ru' });
    });
    expect(steady).toBe(0);
  });

  it('an edit to a shared partial is used by the next render (file watch)', async () => {
    const dir = await copyOfTemplates();
    const renderer = createTemplateRenderer({ dir, recheckEveryMs: 60_000 });
    const before = await renderer.render('cart-reminder', data);
    await edit(path.join(dir, '_partials', 'footer.mjml'), 'Unsubscribe', 'Stop these emails');
    const after = await renderer.render('cart-reminder', data);
    expect(after.text).toContain('Stop these emails');
    expect(after.templateVersion).not.toBe(before.templateVersion);
  });

  it('without a file watch, the modification-time check finds an edit within its interval', async () => {
    const dir = await copyOfTemplates();
    let clockMs = 0;
    const renderer = createTemplateRenderer({ dir, watch: false, recheckEveryMs: 200, now: () => clockMs });
    const before = await renderer.render('cart-reminder', data);
    await edit(path.join(dir, 'cart-reminder', 'subject.hbs'), ' cart is waiting', ' cart misses you');
    // Within the interval the kept copy is used: that is what makes a send free of file reads.
    clockMs += 199;
    expect((await renderer.render('cart-reminder', data)).subject).toBe(before.subject);
    clockMs += 1;
    const after = await renderer.render('cart-reminder', data);
    expect(after.subject).toBe('Ada, your cart misses you');
    expect(after.templateVersion).not.toBe(before.templateVersion);
  });

  it('a template folder added while running is found', async () => {
    const dir = await copyOfTemplates();
    const renderer = createTemplateRenderer({ dir });
    await expect(renderer.render('cart-reminder-b', data)).rejects.toThrow(/no such template/);
    await cp(path.join(dir, 'cart-reminder'), path.join(dir, 'cart-reminder-b'), { recursive: true });
    expect((await renderer.render('cart-reminder-b', data)).templateId).toBe('cart-reminder-b');
  });
});
