import { createHash } from 'node:crypto';

/**
 * The 64-bit advisory lock key of a LOCK_KEY name: the first 8 bytes of
 * SHA-256("procguard:" + name, UTF-8), read as a big-endian signed integer.
 * Stable across versions, hosts and Node releases (documented in docs/operations.md),
 * so every host of one deployment derives the same key from the same name.
 */
export function advisoryKeyOf(name: string): bigint {
  const digest = createHash('sha256').update(`procguard:${name}`, 'utf8').digest();
  return digest.readBigInt64BE(0);
}
