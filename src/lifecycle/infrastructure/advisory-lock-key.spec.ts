import { DEFAULT_LOCK_KEY } from '../../config/env.validation.js';
import { advisoryKeyOf } from './advisory-lock-key.js';

describe('advisoryKeyOf', () => {
  it('is the first 8 bytes of SHA-256("procguard:" + name) as a signed big-endian integer', () => {
    // Values fixed here on purpose: a change would split a running deployment across two locks.
    expect(advisoryKeyOf(DEFAULT_LOCK_KEY)).toBe(KNOWN.procguard);
    expect(advisoryKeyOf('orders-prod')).toBe(KNOWN['orders-prod']);
  });

  it('fits in PostgreSQL bigint and gives different names different keys', () => {
    const names = ['a', 'b', 'orders-prod', 'orders-staging', 'ünïcode', ' procguard', 'procguard '];
    const keys = names.map(advisoryKeyOf);

    for (const key of keys) {
      expect(key).toBeGreaterThanOrEqual(-(2n ** 63n));
      expect(key).toBeLessThan(2n ** 63n);
    }
    expect(new Set(keys).size).toBe(names.length);
  });

  it('is the same for the same name every time', () => {
    expect(advisoryKeyOf('x')).toBe(advisoryKeyOf('x'));
  });
});

// Computed independently: printf 'procguard:NAME' | sha256sum, first 16 hex digits, as int64.
const KNOWN: Record<string, bigint> = {
  procguard: BigInt.asIntN(64, 0xcca0cc7253d1072en),
  'orders-prod': BigInt.asIntN(64, 0xfafb6c66994f5868n),
};
