import { readFileSync } from 'node:fs';

/**
 * procguard's own version, from its package.json: two levels up from this file,
 * both as built (`dist/cli/`) and as source run by tsx (`src/cli/`), and so also
 * inside a host's `node_modules/procguard/` whatever the host's directory is.
 */
export function packageVersion(packageJson: URL = new URL('../../package.json', import.meta.url)): string {
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown };
  if (typeof version !== 'string') throw new Error(`${packageJson.pathname} has no "version"`);
  return version;
}
