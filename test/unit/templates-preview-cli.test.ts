import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cartflowProgram } from '../../cli/cartflow';
import { repositoryRoot } from '../helpers/cartflow-cli';

// `cartflow templates preview --variant <n>` in process: subject lines are numbered from 1, as in
// campaign files (`subjectLine: 2`), the preview page and the report (`subject-2`).

const templates = path.join(repositoryRoot, 'templates');
const LINES = ['Ada, your cart is waiting', 'Ada, still thinking it over? 3 items saved'];
let out: string;

beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'cartflow-preview-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Runs the command: what it printed on stdout, and the error it ended with. */
async function preview(...options: string[]) {
  const args = ['templates', '--dir', templates, 'preview', 'cart-reminder', '-s', 'two-items', '-o', out, ...options];
  const printed = { stdout: '' };
  const program = await cartflowProgram(args);
  // Commander prints a usage error with its hint on stderr: kept out of the test output too.
  program.commands
    .find((command) => command.name() === 'templates')
    ?.commands.forEach((command) => command.configureOutput({ writeErr: () => undefined }));
  // The action writes its summary to process.stdout: kept out of the test output.
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
    printed.stdout += String(text);
    return true;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return { ...printed, error: undefined };
  } catch (error) {
    return { ...printed, error: error as Error };
  } finally {
    write.mockRestore();
  }
}

const headers = () => readFile(path.join(out, 'cart-reminder.en.two-items.headers.txt'), 'utf8');

describe('cartflow templates preview --variant', () => {
  it('shows the first line of subject.hbs as line 1, and by default', async () => {
    for (const options of [[], ['--variant', '1']]) {
      const result = await preview(...options);
      expect(result.error).toBeUndefined();
      expect(result.stdout.split('\n')[0]).toBe(`Subject: ${LINES[0]}`);
      expect(await headers()).toContain('\nX-Subject-Line: 1 of 2\n');
    }
  });

  it('shows the second line as line 2, as a campaign file’s subjectLine: 2 sends it', async () => {
    const result = await preview('-v', '2');
    expect(result.stdout.split('\n')[0]).toBe(`Subject: ${LINES[1]}`);
    const text = await headers();
    expect(text).toContain(`Subject: ${LINES[1]}\n`);
    expect(text).toContain('\nX-Subject-Line: 2 of 2\n');
  });

  it('refuses 0 as a usage error that says lines count from 1', async () => {
    const result = await preview('-v', '0');
    expect(result.error).toBeInstanceOf(CommanderError);
    expect(result.error?.message).toBe(
      "error: option '-v, --variant <n>' argument '0' is invalid. subject lines count from 1 (the first line of subject.hbs is 1)",
    );
  });

  it('names a line past the end by its number from 1, with the lines there are', async () => {
    const result = await preview('-v', '3');
    expect(result.error?.message).toBe('cart-reminder: no subject line 3 (subject.hbs has 2 lines: 1 to 2)');
  });
});

describe('cartflow templates preview --locale', () => {
  it('a language the template does not have: says the preview is the default language, and which there are', async () => {
    const result = await preview('--locale', 'pl-PL');
    expect(result.error).toBeUndefined();
    expect(result.stdout.split('\n')[1]).toBe(
      'note: cart-reminder has no "pl-PL" version (no body.pl.mjml): this is the default language, en, which a "pl-PL" customer gets (languages: en, ru)',
    );
  });

  it('a language it has, by language or full tag: no note', async () => {
    for (const locale of ['ru', 'ru-RU', 'en-GB']) {
      const result = await preview('--locale', locale);
      expect(result.error).toBeUndefined();
      expect(result.stdout).not.toContain('note:');
    }
  });

  it('refuses what is not a language tag as a usage error', async () => {
    const result = await preview('--locale', "he'il");
    expect(result.error).toBeInstanceOf(CommanderError);
    expect(result.error?.message).toBe(
      "error: option '-l, --locale <tag>' argument 'he'il' is invalid. not a language tag (such as ru, he or pt-BR)",
    );
  });
});
