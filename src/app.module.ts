import { Module } from '@nestjs/common';
import { ProcguardModule } from './index.js';

/**
 * procguard's own server: a host like any other, with every feature on and every
 * setting from the environment (README's configuration table).
 */
@Module({ imports: [ProcguardModule.forRoot()] })
export class AppModule {}
