// Counting newlines runs on every byte a child prints (each line gets a seq), so under a flood
// it was the log writer's largest cost: a byte loop takes about a nanosecond a byte, an indexOf
// loop as much per line (worse for short lines). A 16-byte WebAssembly SIMD compare takes a
// tenth of that, copy into its memory included.

const NEWLINE = 10;
/** The counter's memory: one 64 KiB page, counted a window at a time. */
const WINDOW = 65536;

/** Newlines in `data[from, to)`, a byte at a time. */
export function countNewlinesBytewise(data: Uint8Array, from = 0, to = data.length): number {
  let count = 0;
  for (let i = from; i < to; i++) if (data[i] === NEWLINE) count++;
  return count;
}

const leb128 = (n: number): number[] => {
  const out: number[] = [];
  do {
    const low = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? low : low | 0x80);
  } while (n !== 0);
  return out;
};
const section = (id: number, bytes: number[]): number[] => [id, ...leb128(bytes.length), ...bytes];
const name = (text: string): number[] => [text.length, ...[...text].map((c) => c.charCodeAt(0))];

/** `count(lim)`: newlines in memory[0, lim), lim a multiple of 16. Locals: 0 lim, 1 p, 2 total, 3 end; 4 acc, 5 nl (v128). */
const COUNT_BODY = [
  0x02, 0x03, 0x7f, 0x02, 0x7b, // locals: 3 × i32, 2 × v128
  0x41, 0x0a, 0xfd, 0x0f, 0x21, 0x05, // nl = i8x16.splat(10)
  0x02, 0x40, 0x03, 0x40, // block, loop
  0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01, // p >= lim: done
  // end = min(p + 255 × 16, lim): a byte lane counts to 255 at most
  0x20, 0x01, 0x41, 0xf0, 0x1f, 0x6a, 0x22, 0x03, 0x20, 0x00, 0x20, 0x03, 0x20, 0x00, 0x49, 0x1b, 0x21, 0x03,
  0x41, 0x00, 0xfd, 0x0f, 0x21, 0x04, // acc = 0
  0x03, 0x40, // loop
  0x20, 0x04, 0x20, 0x01, 0xfd, 0x00, 0x00, 0x00, 0x20, 0x05, 0xfd, 0x23, 0xfd, 0x71, 0x21, 0x04, // acc -= (v128.load(p) == nl), -1 per match
  0x20, 0x01, 0x41, 0x10, 0x6a, 0x22, 0x01, 0x20, 0x03, 0x49, 0x0d, 0x00, // p += 16, again while p < end
  0x0b,
  0x20, 0x04, 0xfd, 0x7d, 0xfd, 0x7f, 0x21, 0x04, // acc: 16 × u8 → 4 × u32 (pairwise adds)
  0x20, 0x02, // total += its four lanes
  0x20, 0x04, 0xfd, 0x1b, 0x00, 0x6a, 0x20, 0x04, 0xfd, 0x1b, 0x01, 0x6a,
  0x20, 0x04, 0xfd, 0x1b, 0x02, 0x6a, 0x20, 0x04, 0xfd, 0x1b, 0x03, 0x6a,
  0x21, 0x02, 0x0c, 0x00, // next block
  0x0b, 0x0b,
  0x20, 0x02, 0x0b, // total
];

const MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
  ...section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f]), // type: (i32) → i32
  ...section(3, [0x01, 0x00]), // one function of that type
  ...section(5, [0x01, 0x00, 0x01]), // memory: 1 page
  ...section(7, [0x02, ...name('memory'), 0x02, 0x00, ...name('count'), 0x00, 0x00]),
  ...section(10, [0x01, ...leb128(COUNT_BODY.length), ...COUNT_BODY]),
]);

interface SimdCounter {
  readonly memory: Uint8Array;
  readonly count: (lim: number) => number;
}

/** Null where WebAssembly SIMD is missing (an x64 CPU without SSE4.1): the byte loop then. */
function loadSimdCounter(): SimdCounter | null {
  try {
    if (!WebAssembly.validate(MODULE)) return null;
    const exports = new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports as { memory: WebAssembly.Memory; count: (lim: number) => number };
    return { memory: new Uint8Array(exports.memory.buffer), count: exports.count };
  } catch {
    return null;
  }
}

const simd = loadSimdCounter();

/** Newlines in `data`, with SIMD (16 bytes a step) where the runtime has it. */
export function countNewlines(data: Uint8Array): number {
  if (!simd || data.length < 64) return countNewlinesBytewise(data);
  let count = 0;
  for (let offset = 0; offset < data.length; offset += WINDOW) {
    const piece = data.subarray(offset, offset + WINDOW);
    simd.memory.set(piece);
    const lim = piece.length & ~15;
    count += simd.count(lim) + countNewlinesBytewise(piece, lim);
  }
  return count;
}

/** True when countNewlines uses SIMD (tests). */
export const simdNewlineCounting = simd !== null;
