// The layer rules of docs/architecture.md, checked by `npm run lint:layers` (part of `npm test`).
// Imports point one way: edges (worker.ts, server/, cli/, inbound/, health/) → app/ (composition
// root and the services it builds) → workflows/ → activities/ → db/, with pure domain/ usable by all.
// `import type` never reaches run time, so the rules that are about run time allow it.

/** Entry points: processes start here, so they may wire everything, app/ included. */
const ENTRY_POINTS = '^(worker\\.ts|server/main\\.ts|db/migrate-cli\\.ts|campaigns/(check|write-schema)\\.ts)$';

/** Layers below the composition root: they get their dependencies passed in, never build them. */
const BELOW_APP = '^(domain|db|activities|workflows|mail|tracking|signing|codec|config|reports)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'workflows-deterministic',
      comment:
        'Workflow code replays: it may use only @temporalio/workflow, @temporalio/common, other workflow ' +
        'code and pure domain/ code (activities by `import type` + proxyActivities). No Node built-ins, no I/O packages.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: {
        dependencyTypesNot: ['type-only'],
        pathNot: ['^workflows/', '^domain/', '^node_modules/@temporalio/(workflow|common)/'],
      },
    },
    {
      name: 'domain-pure',
      comment:
        'domain/ is pure decision code every layer may use: it imports only itself, zod, punycode.js ' +
        '(RFC 3492 decoding, pure JavaScript) and string-width (terminal columns from Unicode tables, pure JavaScript).',
      severity: 'error',
      from: { path: '^domain/' },
      to: {
        dependencyTypesNot: ['type-only'],
        pathNot: ['^domain/', '^node_modules/zod/', '^node_modules/punycode/', '^node_modules/string-width/'],
      },
    },
    {
      name: 'db-not-upward',
      comment: 'db/ is the bottom layer: it must not import activities/, workflows/, server/, cli/ or app/.',
      severity: 'error',
      from: { path: '^db/', pathNot: ENTRY_POINTS },
      to: { path: '^(activities|workflows|server|cli|app|inbound|health)/|^worker\\.ts$' },
    },
    {
      name: 'activities-not-upward',
      comment:
        'activities/ do the I/O workflows ask for: they must not import server/, cli/ or app/, nor ' +
        'workflows/ except `import type`.',
      severity: 'error',
      from: { path: '^activities/' },
      to: {
        dependencyTypesNot: ['type-only'],
        path: '^(workflows|server|cli|app|inbound|health)/|^worker\\.ts$',
      },
    },
    {
      name: 'server-not-into-activities',
      comment:
        'The HTTP server starts workflows; it does not run activity code (shared code lives in a neutral module).',
      severity: 'error',
      from: { path: '^server/' },
      to: { dependencyTypesNot: ['type-only'], path: '^activities/' },
    },
    {
      name: 'composition-root-at-the-edges',
      comment: 'app/ builds the services from config; only entry points and edges import it, never the layers below.',
      severity: 'error',
      from: { path: BELOW_APP, pathNot: ENTRY_POINTS },
      to: { path: '^app/' },
    },
    {
      name: 'nothing-imports-cli',
      comment: 'cli/ holds commands; only cli/ itself, the `cartflow` bin (bin/) and tests of its commands import it.',
      severity: 'error',
      from: { pathNot: '^(cli|bin|test)/' },
      to: { path: '^cli/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(\\.cache|\\.data|outbox)/' },
    // Keeps `import type` edges (as type-only) so the rules above can tell them apart.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
