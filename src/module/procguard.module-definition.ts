import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DEFAULT_FEATURES, type ProcguardFeatures, type ProcguardModuleOptions } from './procguard-module.options.js';

export const {
  ConfigurableModuleClass: ConfigurableProcguardModule,
  MODULE_OPTIONS_TOKEN: PROCGUARD_MODULE_OPTIONS,
  OPTIONS_TYPE: PROCGUARD_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: PROCGUARD_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ProcguardModuleOptions>({ moduleName: 'Procguard' })
  .setClassMethodName('forRoot')
  // Features are "extras": fixed where the module is imported, in forRootAsync too,
  // because they decide which controllers and providers exist.
  .setExtras<ProcguardFeatures>({ ...DEFAULT_FEATURES }, (definition) => definition)
  .build();
