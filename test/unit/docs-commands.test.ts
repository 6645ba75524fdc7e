import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DocCheckContext, checkMarkdown } from '../helpers/doc-commands';
import { COMMANDS } from '../../cli/command-registry';

// Every command the README and docs/ tell a reader to type names an npm script that exists, every
// repository path in their shell blocks exists, and every relative link (and its #heading)
// resolves. Commands are checked, not run: most need servers, secrets or a running cartflow.
const root = path.resolve(import.meta.dirname, '../..');
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const context: DocCheckContext = {
  root,
  scripts: packageJson.scripts,
  // Every `npx cartflow <command>` in the docs must name a command of the registry.
  cliCommands: new Set(COMMANDS.map((command) => command.name)),
};
const pages = [
  'README.md',
  'templates/README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

describe('the documentation names only commands, files and links that exist', () => {
  it.each(pages)('%s', (page) => {
    expect(checkMarkdown(page, readFileSync(path.join(root, page), 'utf8'), context)).toEqual([]);
  });

  it('reports an unknown script, a missing file, a broken link and a missing heading', () => {
    const broken = [
      '# Page',
      '',
      '```sh',
      'npm run no-such-script -- --flag',
      'CAMPAIGNS_DIR=examples/no-such-folder npm start',
      '```',
      '',
      'Run `npm run neither` and read [the guide](docs/no-such-page.md) or [this](#no-such-heading).',
      'Known: `npm run typecheck`, [the README](README.md#cartflow), [here](#page), `.data/webhook-secret`.',
    ].join('\n');
    expect(checkMarkdown('PAGE.md', broken, context)).toEqual([
      'PAGE.md:3: npm script "no-such-script" is not in package.json',
      'PAGE.md:3: no file or folder examples/no-such-folder',
      'PAGE.md:8: npm script "neither" is not in package.json',
      'PAGE.md:8: link to docs/no-such-page.md: no such file (docs/no-such-page.md)',
      'PAGE.md:8: link to #no-such-heading: no heading #no-such-heading',
    ]);
  });

  it('checks CLI commands once their list is known', () => {
    const page = '```sh\nnpx cartflow migrate\nnpm run cartflow -- nope --help\n```\n';
    const withCli = { ...context, scripts: { cartflow: 'tsx cli/cartflow.ts' }, cliCommands: new Set(['migrate']) };
    expect(checkMarkdown('PAGE.md', page, withCli)).toEqual(['PAGE.md:1: cartflow has no command "nope"']);
  });
});
