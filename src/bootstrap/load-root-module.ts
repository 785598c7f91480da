import type { DynamicModule, Type } from '@nestjs/common';

/** The host's module loader returned nothing Nest can start. */
export class RootModuleNotFoundError extends Error {
  readonly code = 'ROOT_MODULE_NOT_FOUND';
  constructor(detail: string) {
    super(`bootstrap option module: ${detail}`);
    this.name = 'RootModuleNotFoundError';
  }
}

const isModuleLike = (value: unknown): value is Type | DynamicModule =>
  typeof value === 'function' || (typeof value === 'object' && value !== null && 'module' in value);

/**
 * A module class, a dynamic module, or a module namespace (`import('./app.module.js')`),
 * from which `exportName` is taken.
 * @throws RootModuleNotFoundError naming what was found instead
 */
export async function loadRootModule(load: () => unknown, exportName = 'AppModule'): Promise<Type | DynamicModule> {
  const loaded: unknown = await load();
  if (isModuleLike(loaded)) return loaded;
  if (typeof loaded === 'object' && loaded !== null) {
    const named = (loaded as Record<string, unknown>)[exportName];
    if (isModuleLike(named)) return named;
    const exports = Object.keys(loaded);
    throw new RootModuleNotFoundError(
      `the loaded module has no export ${exportName} (it exports: ${exports.length ? exports.join(', ') : 'nothing'}); set exportName`,
    );
  }
  throw new RootModuleNotFoundError(`the loader returned ${loaded === undefined ? 'undefined' : typeof loaded}, not a Nest module`);
}
