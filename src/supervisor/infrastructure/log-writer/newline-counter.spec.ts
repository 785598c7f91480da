import { countNewlines, countNewlinesBytewise, simdNewlineCounting } from './newline-counter.js';

/** The obvious count, to check the others against. */
function byteLoop(data: Buffer): number {
  let count = 0;
  for (const byte of data) if (byte === 10) count++;
  return count;
}

/** A seeded generator, so a failure repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

describe('countNewlines', () => {
  it('uses SIMD on this machine (else the byte loop, correct but ten times the cost)', () => {
    expect(simdNewlineCounting).toBe(true);
  });

  it('counts like a byte loop at every alignment, length and newline density', () => {
    const next = random(7);
    // Blocks of 1000 bytes, each with its own share of newlines (none to all).
    const data = Buffer.alloc(300_000);
    for (let block = 0; block < data.length; block += 1000) {
      const density = next();
      for (let i = block; i < block + 1000; i++) data[i] = next() < density ? 10 : Math.floor(next() * 256);
    }
    for (let round = 0; round < 300; round++) {
      const start = Math.floor(next() * 200_000);
      const slice = data.subarray(start, start + Math.floor(next() * (round % 10 === 0 ? 100_000 : 3000)));
      expect(countNewlines(slice)).toBe(byteLoop(slice));
      expect(countNewlinesBytewise(slice)).toBe(byteLoop(slice));
    }
  });

  it('counts a buffer of nothing but newlines (every byte lane full, across blocks and windows)', () => {
    for (const length of [0, 1, 15, 16, 17, 63, 64, 65, 4079, 4080, 4081, 65535, 65536, 65537, 200_001]) {
      expect(countNewlines(Buffer.alloc(length, 10))).toBe(length);
    }
  });

  it('takes no byte near a newline (one bit off, 0x8a, 0xff) for one', () => {
    const near = Buffer.from([0x0b, 0x08, 0x0e, 0x02, 0x1a, 0x4a, 0x8a, 0x00, 0xff, 0xf5]);
    const data = Buffer.concat(Array.from({ length: 50 }, () => near));
    expect(countNewlines(data)).toBe(0);
  });
});
