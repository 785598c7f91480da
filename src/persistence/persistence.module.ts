import { Global, Module } from '@nestjs/common';
import { SETTINGS, type ProcguardSettings } from '../config/settings.js';
import { INSTANCE_ID } from '../lifecycle/application/lifecycle.tokens.js';
import { DATABASE, SQLITE_CONNECTION } from './application/database.port.js';
import { SqliteDatabase } from './infrastructure/sqlite-database.adapter.js';

/** Opens the database while Nest builds the app, i.e. only after bootstrap() holds the lock. */
@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      inject: [SETTINGS, INSTANCE_ID],
      useFactory: (settings: ProcguardSettings, instanceId: string) =>
        SqliteDatabase.open({ path: settings.DATABASE_PATH, instanceId, pid: process.pid }),
    },
    { provide: SQLITE_CONNECTION, inject: [DATABASE], useFactory: (db: SqliteDatabase) => db.connection },
  ],
  exports: [DATABASE, SQLITE_CONNECTION],
})
export class PersistenceModule {}
