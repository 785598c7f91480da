/**
 * The layer rule of the Clean Architecture, checked by `npm run depcheck` (part of `npm test`).
 * Composition roots (bootstrap/, cli/, module/, *.module.ts) may import any layer.
 * The library is src/ behind its public entries (src/index.ts, src/bootstrap-entry.ts);
 * the server (src/main.ts, src/app.module.ts) is its first consumer and uses only those.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'Domain imports only its own domain: no Nest, no node:*, no other layer.',
      severity: 'error',
      from: { path: '^src/([^/]+)/domain/' },
      to: { pathNot: ['^src/$1/domain/'] },
    },
    {
      name: 'application-inward-only',
      comment: 'Application imports only domain and application code (its ports), never adapters or controllers.',
      severity: 'error',
      from: { path: '^src/[^/]+/application/' },
      to: { path: '^src/[^/]+/(infrastructure|presentation)/' },
    },
    {
      name: 'application-no-node-io',
      comment: 'Application reaches the outside world through ports; of packages it may use Nest\'s DI only.',
      severity: 'error',
      from: { path: '^src/[^/]+/application/' },
      to: { dependencyTypes: ['core', 'npm', 'npm-dev'], pathNot: ['node_modules/@nestjs/common/'] },
    },
    {
      name: 'presentation-not-infrastructure',
      comment: 'Controllers talk to application services and ports, never to adapters directly.',
      severity: 'error',
      from: { path: '^src/[^/]+/presentation/' },
      to: { path: '^src/[^/]+/infrastructure/' },
    },
    {
      name: 'consumer-uses-public-api',
      comment: 'The server uses the package as any host would: only src/index.ts and src/bootstrap-entry.ts.',
      severity: 'error',
      from: { path: '^src/(main|app\\.module)\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/(index|bootstrap-entry|app\\.module)\\.ts$'] },
    },
    {
      name: 'library-not-consumer',
      comment: 'Inside the library nothing imports the consumer or the public entries (they import it).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(main|app\\.module|index|bootstrap-entry)\\.ts$'] },
      to: { path: '^src/(main|app\\.module|index|bootstrap-entry)\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$|/testing/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
