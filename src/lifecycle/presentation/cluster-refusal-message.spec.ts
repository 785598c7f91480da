import type { ClusterLockHolder } from '../domain/cluster-lock-holder.js';
import { ClusterLockHeldError } from '../domain/lifecycle.errors.js';
import { formatClusterRefusal } from './cluster-refusal-message.js';

const HOLDER: ClusterLockHolder = {
  hostname: 'app-2.internal',
  pid: 4242,
  instanceId: '6f1c2d3e-aaaa-bbbb-cccc-000000000001',
  healthUrl: 'http://app-2.internal:3000/api/health',
  startedAt: '2026-12-01T10:00:00.000Z',
  acquiredAt: '2026-12-01T10:00:01.000Z',
  fencingToken: '17',
  confirmed: true,
};

describe('formatClusterRefusal', () => {
  it('names the active host, its PID, instance id, token and health URL, and how to wait instead', () => {
    const text = formatClusterRefusal(new ClusterLockHeldError('orders', HOLDER), new Date('2026-12-01T10:02:01.000Z'));

    expect(text).toContain('another instance is already active for the lock "orders" (LOCK_KEY)');
    expect(text).toContain('Host            app-2.internal');
    expect(text).toContain('PID             4242');
    expect(text).toContain(`Instance id     ${HOLDER.instanceId}`);
    expect(text).toContain('Active since    2026-12-01T10:00:01.000Z (2m 0s ago)');
    expect(text).toContain('Fencing token   17');
    expect(text).toContain('Health          curl http://app-2.internal:3000/api/health');
    expect(text).toContain('LOCK_STANDBY=true');
    expect(text).not.toContain('previous holder');
  });

  it('says when the record may be the previous holder, and when there is none', () => {
    expect(formatClusterRefusal(new ClusterLockHeldError('k', { ...HOLDER, confirmed: false }), new Date())).toContain("may be the previous holder's");
    expect(formatClusterRefusal(new ClusterLockHeldError('k', null), new Date())).toContain('Holder          unknown: it has not published itself yet');
  });
});
