import type { ProcguardModuleOptions, ResolvedFeatures } from './procguard-module.options.js';

/**
 * How the host's AppModule imported ProcguardModule, recorded when `forRoot` ran (that
 * is, when bootstrap() loaded the host's module): bootstrap() then checks the settings
 * and the process config before Nest is created, so a mistake exits 2 with no Nest
 * output around it. `options` is null for `forRootAsync` (known only inside Nest).
 */
export interface ModuleDeclaration {
  readonly options: ProcguardModuleOptions | null;
  readonly features: ResolvedFeatures;
}

let declared: ModuleDeclaration | null = null;

export function recordDeclaration(declaration: ModuleDeclaration): void {
  declared = declaration;
}

/** The last declaration, if the host imported the module at all. */
export function lastDeclaration(): ModuleDeclaration | null {
  return declared;
}
