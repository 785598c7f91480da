import { compileDateFormat, dateFormatProblem } from './log-date-format.js';
import { DEFAULT_FILE, DISCARD, logTargets, withInstanceSuffix } from './log-files.js';

const spec = (fields: Partial<Parameters<typeof logTargets>[0] & object> = {}) => ({
  out: null, err: null, combined: null, merge: false, dateFormat: null, ...fields,
});

describe('logTargets', () => {
  it('sends both streams to the default file without PM2 fields', () => {
    expect(logTargets(undefined, 1, 1)).toEqual([{ path: null, streams: ['stdout', 'stderr'], dateFormat: null }]);
  });

  it('gives out_file and error_file their stream each, and log_file both beside them', () => {
    expect(logTargets(spec({ out: '/l/o.log', err: '/l/e.log', combined: '/l/all.log', dateFormat: 'HH' }), 1, 1)).toEqual([
      { path: '/l/o.log', streams: ['stdout'], dateFormat: 'HH' },
      { path: '/l/e.log', streams: ['stderr'], dateFormat: 'HH' },
      { path: '/l/all.log', streams: ['stdout', 'stderr'], dateFormat: 'HH' },
    ]);
  });

  it('sends a stream without a file of its own to the default file, and shares a file two fields name', () => {
    expect(logTargets(spec({ out: '/l/o.log' }), 1, 1)).toEqual([
      { path: '/l/o.log', streams: ['stdout'], dateFormat: null },
      { path: null, streams: ['stderr'], dateFormat: null },
    ]);
    expect(logTargets(spec({ out: '/l/a.log', err: '/l/a.log' }), 1, 1)).toEqual([{ path: '/l/a.log', streams: ['stdout', 'stderr'], dateFormat: null }]);
  });

  it('writes no file for /dev/null, and log_file: true is the default file', () => {
    expect(logTargets(spec({ out: DISCARD, err: DISCARD, combined: DEFAULT_FILE }), 1, 1)).toEqual([
      { path: null, streams: ['stdout', 'stderr'], dateFormat: null },
    ]);
    expect(logTargets(spec({ out: DISCARD, err: DISCARD }), 1, 1)).toEqual([]);
  });

  it('suffixes each instance unless merge_logs', () => {
    expect(logTargets(spec({ out: '/l/o.log', err: '/l/e' }), 3, 4).map((t) => t.path)).toEqual(['/l/o-3.log', '/l/e-3']);
    expect(logTargets(spec({ out: '/l/o.log', merge: true }), 3, 4).map((t) => t.path)).toEqual(['/l/o.log', null]);
    expect(withInstanceSuffix('/a.b/c', 2)).toBe('/a.b/c-2');
    expect(withInstanceSuffix('/a/.hidden', 2)).toBe('/a/.hidden-2');
  });
});

describe('log_date_format', () => {
  it('formats the dayjs tokens PM2 users write, in local time, with [literals]', () => {
    const date = new Date(2026, 0, 2, 3, 4, 5, 6);
    expect(compileDateFormat('YYYY-MM-DD HH:mm:ss.SSS')(date)).toBe('2026-01-02 03:04:05.006');
    expect(compileDateFormat('[at] h:m A, D/M/YY')(date)).toBe('at 3:4 AM, 2/1/26');
    expect(compileDateFormat('Z')(date)).toMatch(/^[+-]\d\d:\d\d$/);
    expect(compileDateFormat('x')(date)).toBe(String(date.getTime()));
  });

  it('refuses a letter that is no supported token, naming it', () => {
    expect(dateFormatProblem('YYYY-MM-DD HH:mm Z')).toBeNull();
    expect(dateFormatProblem('dddd')).toContain('"d"');
    expect(dateFormatProblem('[open')).toContain('unclosed');
  });
});
