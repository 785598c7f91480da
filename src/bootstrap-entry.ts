/**
 * `procguard/bootstrap`: only {@link bootstrap}, for the host's `main.ts`.
 *
 * The same function `procguard` exports. This entry exists because `procguard` also
 * exports the Nest module, so importing it loads Nest (about 0.7 s measured, five times
 * a bare Node start): from here a refused duplicate exits having loaded no Nest code,
 * and a started one loads Nest once the lock is held.
 * @packageDocumentation
 */
export { bootstrap } from './bootstrap/bootstrap.js';
export type { BootstrapOptions, HttpPlatformName } from './bootstrap/bootstrap-options.js';
export { EXIT as EXIT_CODES } from './exit-codes.js';
