import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { INSTANCE_ID } from '../lifecycle/application/lifecycle.tokens.js';
import { DATABASE, SQLITE_CONNECTION } from './application/database.port.js';
import { SqliteDatabase } from './infrastructure/sqlite-database.adapter.js';

/** Opens the database while Nest builds the app, i.e. only after main.ts holds the lock. */
@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      inject: [ConfigService, INSTANCE_ID],
      useFactory: (config: ConfigService, instanceId: string) =>
        SqliteDatabase.open({ path: config.getOrThrow<string>('DATABASE_PATH'), instanceId, pid: process.pid }),
    },
    { provide: SQLITE_CONNECTION, inject: [DATABASE], useFactory: (db: SqliteDatabase) => db.connection },
  ],
  exports: [DATABASE, SQLITE_CONNECTION],
})
export class PersistenceModule {}
