import { Command, InvalidArgumentError } from 'commander';

// `cartflow templates check|preview|spam|serve`: the marketers' tools. Output is for people; errors
// are one line each (`file:line: message`), never a stack trace. The work is in
// cli/templates-actions.ts and cli/templates-serve.ts, imported when a subcommand runs, so that
// `cartflow templates --help` answers at once.

const integer = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
};

// Subject lines are numbered from 1 wherever a person reads them, as `subjectLine` in campaign
// files, the preview page and the report's `subject-1` are; 0 is the old 0-based habit.
const subjectLine = (value: string) => {
  const line = integer(value);
  if (line < 1) throw new InvalidArgumentError('subject lines count from 1 (the first line of subject.hbs is 1)');
  return line;
};

// A customer's language as a webhook sends it; a typo such as `he'il` is a usage error, not a
// silent preview in the default language.
const languageTag = (value: string) => {
  try {
    Intl.getCanonicalLocales(value);
    return value;
  } catch {
    throw new InvalidArgumentError('not a language tag (such as ru, he or pt-BR)');
  }
};

export function templatesProgram(): Command {
  const program = new Command('templates')
    .description('check, preview, spam-score and serve the email templates')
    .option('--dir <folder>', 'templates folder (default: templates/ of this repository)');
  // The shipped folder comes with the composition root: only a running subcommand loads it.
  const dir = async () => program.opts<{ dir?: string }>().dir ?? (await import('../app/services')).templatesDir;
  program
    .command('check')
    .description('pre-flight check of every template × locale × sample; exits 1 on any error')
    .option('-t, --template <id>', 'only this template')
    .action(async (options: { template?: string }) => {
      const { check } = await import('./templates-actions');
      process.exitCode = await check({ dir: await dir(), ...options });
    });
  program
    .command('preview')
    .description('render one template with one sample into HTML, text and headers files')
    .argument('<id>', 'template id, e.g. cart-reminder')
    .option('-l, --locale <tag>', 'customer language, e.g. ru (falls back to the shop default)', languageTag)
    .option('-s, --sample <name>', 'sample file in samples/ (default: the first)')
    .option('-v, --variant <n>', 'subject line (A/B variant): line n of subject.hbs, from 1', subjectLine, 1)
    .option('-o, --out <folder>', 'where to write the files', 'outbox/preview')
    .action(async (id: string, options: { locale?: string; sample?: string; variant: number; out: string }) => {
      const { preview } = await import('./templates-actions');
      const { variant, ...rest } = options;
      process.exitCode = await preview(id, { dir: await dir(), ...rest, subjectLine: variant });
    });
  program
    .command('spam')
    .description("score one message (.eml) with SpamAssassin's local rules and list the rules hit; exits 1 above 0")
    .argument('<file>', 'the message, e.g. saved from a mail client')
    .action(async (file: string) => {
      const { spam } = await import('./templates-actions');
      process.exitCode = await spam(file);
    });
  program
    .command('serve')
    .description('a local page that renders every template at 600 px and 375 px, reloading on edits')
    .option('-p, --port <port>', 'port', integer, 4000)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .action(async (options: { port: number; host: string }) => {
      const { serveTemplates } = await import('./templates-serve');
      const server = await serveTemplates({ dir: await dir(), ...options });
      process.stdout.write(`templates preview at ${server.url} (Ctrl-C to stop)\n`);
    });
  return program;
}
