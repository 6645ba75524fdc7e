import { describe, expect, it } from 'vitest';
import { cartSearchAttributeKeys } from '../../app/search-attributes';
import { devServerArgs } from '../../app/temporal-dev-server-args';

const base = { ip: '127.0.0.1', port: 7233, namespace: 'default', logLevel: 'warn' } as const;

/** The value after each occurrence of `flag`. */
const valuesOf = (args: string[], flag: string) => args.flatMap((arg, i) => (arg === flag ? [args[i + 1]] : []));

describe('the dev server command line', () => {
  it('is the one the SDK launcher ran: start-dev on the address, with its dynamic config', () => {
    const args = devServerArgs(base);
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(valuesOf(args, '--ip')).toEqual(['127.0.0.1']);
    expect(valuesOf(args, '--port')).toEqual(['7233']);
    expect(valuesOf(args, '--namespace')).toEqual(['default']);
    expect(valuesOf(args, '--log-level')).toEqual(['warn']);
    expect(valuesOf(args, '--dynamic-config-value')).toContain('frontend.enableUpdateWorkflowExecution=true');
  });

  it('is headless without a UI port, and serves the UI with its codec endpoint with one', () => {
    expect(devServerArgs(base)).toContain('--headless');
    const withUi = devServerArgs({ ...base, uiPort: 8233, uiCodecEndpoint: 'http://127.0.0.1:3000/codec' });
    expect(withUi).not.toContain('--headless');
    expect(valuesOf(withUi, '--ui-port')).toEqual(['8233']);
    expect(valuesOf(withUi, '--ui-codec-endpoint')).toEqual(['http://127.0.0.1:3000/codec']);
  });

  it('passes the database file, the SQLite pragmas, the search attributes and extra flags', () => {
    const args = devServerArgs({
      ...base,
      dbFilename: "/data/l'été & co/temporal.db",
      sqlitePragmas: { journal_mode: 'WAL', synchronous: 'OFF' },
      searchAttributes: cartSearchAttributeKeys,
      extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60'],
    });
    expect(valuesOf(args, '--db-filename')).toEqual(["/data/l'été & co/temporal.db"]);
    expect(valuesOf(args, '--sqlite-pragma')).toEqual(['journal_mode=WAL', 'synchronous=OFF']);
    expect(valuesOf(args, '--search-attribute')).toContain('CartflowShop=Keyword');
    expect(valuesOf(args, '--search-attribute')).toHaveLength(cartSearchAttributeKeys.length);
    expect(args.slice(-2)).toEqual(['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60']);
  });
});
