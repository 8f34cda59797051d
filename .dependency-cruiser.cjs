/**
 * The layers of the code, checked by `npm run lint` (see docs/architecture.md, "Layers"). From the
 * ground up: shared/ and the small server utilities; db/; repositories (*.repository.ts); services,
 * other feature modules and sync/; routes (*.routes.ts), plugins/, the Yjs endpoint and bootstrap/;
 * app.ts, main.ts and cli/. An import may point down or sideways, never up, and never in a circle.
 */
const TOP = '^server/src/(app|main)\\.ts$|^server/src/cli/';
const ROUTES_AND_PLUGINS = '\\.routes\\.ts$|^server/src/(plugins|bootstrap)/|^server/src/sync/yjs-endpoint\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules that import each other, directly or through others, are one module in two files.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-stands-alone',
      comment: 'shared/ is used by the server and the client alike, so it can import neither.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(server|client)/' },
    },
    {
      name: 'client-apart-from-server',
      comment: 'The client meets the server through shared/ and HTTP, never its code.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^server/' },
    },
    {
      name: 'utilities-at-the-bottom',
      comment: 'The small modules directly in server/src/ (config, errors, paths, …) serve every floor.',
      severity: 'error',
      from: { path: '^server/src/[^/]+\\.ts$', pathNot: TOP },
      to: { path: '^server/src/(db|features|sync|plugins|bootstrap|cli)/|^server/src/(app|main)\\.ts$' },
    },
    {
      name: 'db-is-the-ground-floor',
      comment: 'Connection, engine and migrations know nothing of what is stored.',
      severity: 'error',
      from: { path: '^server/src/db/' },
      to: { path: '^server/src/(features|sync|plugins|bootstrap|cli)/|^server/src/(app|main)\\.ts$' },
    },
    {
      name: 'repositories-reach-down-only',
      comment:
        'A repository runs SQL; it may use db/, other repositories and pure helpers (identifiers, ' +
        'query planning), nothing that uses it.',
      severity: 'error',
      from: { path: '\\.repository\\.ts$' },
      to: {
        path: `\\.(service|routes)\\.ts$|^server/src/sync/.*(?<!\\.repository\\.ts)$|${TOP}|^server/src/(plugins|bootstrap)/`,
      },
    },
    {
      name: 'sync-below-features',
      comment: 'The rooms know nothing of the tables derived from them: features attach as extensions.',
      severity: 'error',
      from: { path: '^server/src/sync/', pathNot: '^server/src/sync/yjs-endpoint\\.ts$' },
      to: { path: `^server/src/(features|plugins|bootstrap)/|^server/src/sync/yjs-endpoint\\.ts$|${TOP}` },
    },
    {
      name: 'services-below-routes',
      comment: 'Services and other feature modules are used by routes and plugins, not the other way.',
      severity: 'error',
      from: { path: '^server/src/features/', pathNot: '\\.routes\\.ts$' },
      to: { path: `${ROUTES_AND_PLUGINS}|${TOP}` },
    },
    {
      name: 'routes-and-plugins-below-app',
      comment: 'app.ts wires routes and plugins; main.ts and the CLIs start it.',
      severity: 'error',
      from: { path: ROUTES_AND_PLUGINS },
      to: { path: TOP },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|build)/' },
    // Type-only imports count: a cycle of types is still two modules that need each other.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.svelte'] },
  },
};
