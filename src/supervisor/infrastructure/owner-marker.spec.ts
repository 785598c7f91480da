import { dataDirKey, formatMarker, markerIn, OWNER_VARIABLE } from './owner-marker.js';

describe('owner marker', () => {
  const marker = { dataDirKey: '0123456789abcdef', instanceId: '6f1e2d3c-4b5a', backendPid: 4242, backendStartTime: '98765', name: 'web:1' };

  it('reads back what it wrote, a name with a colon included', () => {
    expect(markerIn(['A=1', `${OWNER_VARIABLE}=${formatMarker(marker)}`])).toEqual(marker);
  });

  it.each([
    ['no environment', null],
    ['no marker', ['A=1']],
    ['a short key', [`${OWNER_VARIABLE}=0123:id:1:2:web`]],
    ['pid 0', [`${OWNER_VARIABLE}=0123456789abcdef:id:0:2:web`]],
    ['a start time that is not a number', [`${OWNER_VARIABLE}=0123456789abcdef:id:1:x:web`]],
  ])('finds nothing in %s', (_label, environ) => {
    expect(markerIn(environ)).toBeNull();
  });

  it('gives every spelling of a data directory the same key, and another directory another', () => {
    expect(dataDirKey('/tmp/../tmp/data')).toBe(dataDirKey('/tmp/data/'));
    expect(dataDirKey('/tmp/data')).not.toBe(dataDirKey('/tmp/data2'));
  });
});
