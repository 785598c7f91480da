import { execLimitProblems, MAX_EXEC_STRING_BYTES, utf8Bytes } from './exec-limits.js';

describe('execLimitProblems', () => {
  it('accepts what execve can pass', () => {
    expect(execLimitProblems('node', ['a'.repeat(MAX_EXEC_STRING_BYTES)], { A: 'x'.repeat(1000) })).toEqual([]);
  });

  it('names an argument one byte past the limit', () => {
    expect(execLimitProblems('node', ['ok', 'a'.repeat(MAX_EXEC_STRING_BYTES + 1)], {}).map(([field]) => field)).toEqual(['args[1]']);
  });

  it('counts a variable as NAME=value in UTF-8 bytes', () => {
    const value = 'é'.repeat(MAX_EXEC_STRING_BYTES / 2);
    expect(execLimitProblems('node', [], { AB: value }).map(([field]) => field)).toEqual(['env.AB']);
  });

  it('refuses a command longer than a path can be', () => {
    expect(execLimitProblems('x'.repeat(5000), [], {})[0]).toEqual(['command', expect.stringContaining('5000 bytes')]);
  });

  it('refuses many strings that fit one by one but not together', () => {
    const args = Array.from({ length: 20 }, () => 'a'.repeat(100_000));
    expect(execLimitProblems('node', args, {}).map(([field]) => field)).toEqual(['args']);
  });
});

describe('utf8Bytes', () => {
  it.each([
    ['abc', 3],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
  ])('%s is %i bytes', (text, bytes) => expect(utf8Bytes(text)).toBe(bytes));
});
