import { parseCompileStatus } from './compile-status.js';

describe('parseCompileStatus', () => {
  it.each([
    ['9:13:20 PM - Found 0 errors. Watching for file changes.', 0],
    ['[21:13:20] Found 1 error. Watching for file changes.', 1],
    ['\u001b[90m9:13:20 PM\u001b[0m - Found 12 errors. Watching for file changes.', 12],
  ])('reads a finished compile from %j', (line, errors) => {
    expect(parseCompileStatus(line)).toEqual({ kind: 'compiled', errors });
  });

  it.each([
    '9:13:10 PM - Starting compilation in watch mode...',
    '9:14:00 PM - File change detected. Starting incremental compilation...',
  ])('reads a compile that started from %j', (line) => {
    expect(parseCompileStatus(line)).toEqual({ kind: 'compiling' });
  });

  it.each([
    "src/main.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
    '',
    'Found 2 errors in the same file, starting at: src/main.ts:3',
  ])('says nothing about %j', (line) => {
    expect(parseCompileStatus(line)).toBeNull();
  });
});
