import { LineAssembler, OutputRing } from './output-ring.js';

describe('OutputRing', () => {
  it('numbers lines across chunks that end mid-line, and a tail sees them whole', () => {
    const ring = new OutputRing(1024 * 1024);
    ring.push('stdout', Buffer.from('one\ntw'), 1);
    ring.push('stdout', Buffer.from('o\nthree\n'), 2);
    expect(ring.seq).toBe(3);
    const lines: string[] = [];
    ring.replay(new LineAssembler((line) => lines.push(`${line.seq}:${line.text}`)));
    expect(lines).toEqual(['1:one', '2:two', '3:three']);
  });

  it('keeps its bytes bounded, dropping the oldest chunks, and still counts every line', () => {
    const ring = new OutputRing(4096);
    const chunk = Buffer.from('a fairly long line of output\n'.repeat(100));
    for (let i = 0; i < 50; i++) ring.push('stdout', chunk, i);
    expect(ring.seq).toBe(5000);
    const lines: number[] = [];
    ring.replay(new LineAssembler((line) => lines.push(line.seq)));
    expect(lines.length).toBeLessThanOrEqual(200);
    expect(lines[lines.length - 1]).toBe(5000);
    expect(ring.oldestSeq).toBe(lines[0]);
  });
});
