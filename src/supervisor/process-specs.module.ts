import type { DynamicModule } from '@nestjs/common';
import { PROCESS_SPECS } from './application/supervisor.tokens.js';
import type { ProcessSpec } from './domain/process-spec.js';

/** Holds the specs the bootstrap validated; a plain class, so importing this file loads no Nest code. */
class ProcessSpecsModule {}

/**
 * Provides PROCESS_SPECS (the validated process config read at start) to the supervisor.
 * Built by the bootstrap before Nest loads, mounted beside AppModule's own modules.
 */
export function processSpecsModule(specs: readonly ProcessSpec[]): DynamicModule {
  return {
    module: ProcessSpecsModule,
    global: true,
    providers: [{ provide: PROCESS_SPECS, useValue: Object.freeze([...specs]) }],
    exports: [PROCESS_SPECS],
  };
}
