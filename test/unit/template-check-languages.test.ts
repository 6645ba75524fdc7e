import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkTemplates, formatProblem } from '../../mail/template-check';
import { body, templateWith } from '../templates/fixtures';

// A marketer adds a language to a template (docs/templates.md): body.pl.mjml, subject.pl.hbs,
// preheader.pl.hbs. The shared footer and discount block have a Russian version but no Polish one,
// so a Polish email would say "Unsubscribe" in English: the check says which partial is missing.

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const polishBody = body(
  '{{> header}}\n<mj-section><mj-column><mj-text><h1>Twój koszyk czeka</h1></mj-text></mj-column></mj-section>\n{{> discount}}',
);

async function warnings(folder: string): Promise<string[]> {
  const report = await checkTemplates({ dir: folder, only: 't', spam: false });
  return report.problems.map(formatProblem).filter((text) => text.includes('body.pl.mjml'));
}

describe('templates check: a new language', () => {
  it('names each shared partial with words that has no version in that language', async () => {
    dir = await templateWith({
      'body.mjml': body('{{> header}}\n{{> discount}}'),
      'body.pl.mjml': polishBody,
      'subject.pl.hbs': 'Twój koszyk czeka',
      'preheader.pl.hbs': 'Twój koszyk',
    });
    const found = await warnings(dir);
    expect(found).toEqual([
      `${path.join(dir, 't')}/body.pl.mjml: warning: there is no _partials/discount.pl.mjml (there is discount.ru.mjml); pl customers get discount.mjml`,
      `${path.join(dir, 't')}/body.pl.mjml: warning: there is no _partials/footer.pl.mjml (there is footer.ru.mjml); pl customers get footer.mjml`,
    ]);
    // `header` (the shop's name) and `head` have no language versions at all: nothing to translate.
    expect(found.join('\n')).not.toMatch(/header|head\./);
  });

  it('is quiet once the partials are translated', async () => {
    dir = await templateWith({
      'body.mjml': body('{{> header}}\n{{> discount}}'),
      'body.pl.mjml': polishBody,
      'subject.pl.hbs': 'Twój koszyk czeka',
      'preheader.pl.hbs': 'Twój koszyk',
    });
    for (const name of ['footer', 'discount']) {
      const russian = path.join(dir, '_partials', `${name}.ru.mjml`);
      await writeFile(path.join(dir, '_partials', `${name}.pl.mjml`), await readFile(russian, 'utf8'));
    }
    expect(await warnings(dir)).toEqual([]);
  });

  it('a file saved in Windows-1250 instead of UTF-8 is an error naming file and line, not "Tw\ufffdj koszyk" in the inbox', async () => {
    dir = await templateWith({
      'body.mjml': body('{{> header}}'),
      'body.pl.mjml': polishBody,
      'subject.pl.hbs': 'Twój koszyk czeka',
      // "Twój koszyk" with ó as Windows-1250 writes it (0xF3).
      'preheader.pl.hbs': '',
    });
    await writeFile(path.join(dir, 't', 'preheader.pl.hbs'), Buffer.from('Tw\xf3j koszyk\n', 'latin1'));
    const report = await checkTemplates({ dir, only: 't', spam: false });
    expect(report.problems.filter((problem) => problem.severity === 'error').map(formatProblem)).toEqual([
      `${path.join(dir, 't')}/preheader.pl.hbs:1: not UTF-8 text (an editor saved it in another encoding): save the file as UTF-8`,
    ]);
  });
});
