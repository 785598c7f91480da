/**
 * The layer rule of the Clean Architecture, checked by `npm run depcheck` (part of `npm test`).
 * Composition roots (main.ts, bootstrap/, cli/, *.module.ts) may import any layer.
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
