import { type SearchAttributeType, TypedSearchAttributes, type defineSearchAttributeKey } from '@temporalio/common';

type SearchAttributeKey = ReturnType<typeof defineSearchAttributeKey<SearchAttributeType>>;

/** How the Temporal CLI dev server is run: the options cartflow's callers choose between. */
export interface DevServerArgsOptions {
  ip: string;
  port: number;
  namespace: string;
  /** The web UI's port, or `undefined` for a headless server. */
  uiPort?: number;
  /** SQLite file that keeps the history between runs; none keeps it in memory. */
  dbFilename?: string;
  searchAttributes?: readonly SearchAttributeKey[];
  /** `--sqlite-pragma` values, e.g. `{ journal_mode: 'WAL', synchronous: 'OFF' }`. */
  sqlitePragmas?: Record<string, string>;
  /** The codec server the web UI decodes payloads through. */
  uiCodecEndpoint?: string;
  /** The CLI's own levels; `never` silences it. */
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /** Anything else `temporal server start-dev` takes (e.g. `--dynamic-config-value`). */
  extraArgs?: readonly string[];
}

/**
 * The command line of `temporal server start-dev`, with the flags the SDK's own launcher passes
 * (sdk-core ephemeral_server) so a server started here behaves as one from `createLocal` did.
 */
export function devServerArgs(options: DevServerArgsOptions): string[] {
  const flag = (name: string, value: string | number | undefined) =>
    value === undefined ? [] : [`--${name}`, String(value)];
  return [
    'server',
    'start-dev',
    ...flag('port', options.port),
    ...flag('namespace', options.namespace),
    ...flag('ip', options.ip),
    ...flag('log-format', 'pretty'),
    ...flag('log-level', options.logLevel),
    ...flag('dynamic-config-value', 'frontend.enableServerVersionCheck=false'),
    ...flag('dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true'),
    ...flag('dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true'),
    ...flag('db-filename', options.dbFilename),
    ...(options.uiPort === undefined ? ['--headless'] : flag('ui-port', options.uiPort)),
    ...flag('ui-codec-endpoint', options.uiCodecEndpoint),
    ...(options.searchAttributes ?? []).flatMap((key) =>
      flag('search-attribute', `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`),
    ),
    ...Object.entries(options.sqlitePragmas ?? {}).flatMap(([name, value]) =>
      flag('sqlite-pragma', `${name}=${value}`),
    ),
    ...(options.extraArgs ?? []),
  ];
}
