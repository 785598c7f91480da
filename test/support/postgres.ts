import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './harness.js';

/**
 * A private throwaway PostgreSQL cluster for one test file: initdb in a temp dir,
 * pg_ctl start on a free loopback port, trust auth, removed by stop(). Run as the
 * `postgres` user when the suite runs as root (PostgreSQL refuses to run as root).
 * Never skipped: without the server binaries it fails, saying how to get them.
 */
export interface PrivatePostgres {
  readonly port: number;
  readonly url: string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  restart(): void;
  stop(): Promise<void>;
}

/** The newest /usr/lib/postgresql/<version>/bin that has initdb. @throws naming the package to install */
export function postgresBinDir(base = '/usr/lib/postgresql'): string {
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) {
    throw new Error(
      'The PostgreSQL lock tests need the PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin: ' +
        'install them with `apt-get install postgresql` (Debian/Ubuntu; .ci/run does this). They are not skipped.',
    );
  }
  return join(base, newest, 'bin');
}

export async function startPostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const root = mkdtempSync(join(tmpdir(), 'procguard-pg-'));
  const dataDir = join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(root, uid, gid);
  }
  chmodSync(root, 0o700);
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
  };
  run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const start = () =>
    run('pg_ctl', ['-D', dataDir, '-l', join(root, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    url,
    async query(sql, params) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    restart() {
      run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
      start();
    },
    async stop() {
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
