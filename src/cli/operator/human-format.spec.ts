import { ago, bytes, duration, paintFor, table } from './human-format.js';

describe('human-format', () => {
  it('aligns columns to the widest cell, ignoring colour codes', () => {
    const out = table(['NAME', 'STATE'], [['web-1', '\u001b[32mrunning\u001b[0m'], ['a-much-longer-name', 'stopped']]);

    expect(out.split('\n')).toEqual(['NAME                STATE', 'web-1               \u001b[32mrunning\u001b[0m', 'a-much-longer-name  stopped', '']);
  });

  it.each([
    [0, '0s'],
    [59.9, '59s'],
    [61, '1m 1s'],
    [7260, '2h 1m'],
    [90_000, '1d 1h'],
  ])('%p seconds read %p', (seconds, text) => {
    expect(duration(seconds)).toBe(text);
  });

  it('says how long ago, or how long until', () => {
    const now = Date.parse('2026-12-02T03:00:00Z');
    expect(ago('2026-12-02T02:59:48Z', now)).toBe('12s ago');
    expect(ago('2026-12-02T03:00:02Z', now)).toBe('in 2s');
  });

  it.each([
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [50 * 1024 * 1024, '50.0 MiB'],
  ])('%p bytes read %p', (n, text) => {
    expect(bytes(n)).toBe(text);
  });

  it('colours only a terminal, and never with NO_COLOR', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as NodeJS.WriteStream;
    expect(paintFor(tty, {}).green('x')).toBe('\u001b[32mx\u001b[0m');
    expect(paintFor(tty, { NO_COLOR: '1' }).green('x')).toBe('x');
    expect(paintFor(pipe, {}).green('x')).toBe('x');
  });
});
