import { cronProblem } from './croner-scheduler.adapter.js';

describe('cronProblem (croner as the cron_restart check)', () => {
  it.each(['0 3 * * *', '*/2 * * * * *', '@daily', '0 0 * * 1-5'])('accepts %p', (expression) => {
    expect(cronProblem(expression)).toBeNull();
  });

  it.each<[string, RegExp]>([
    ['61 * * * *', /Invalid value for minute: 61/],
    ['bogus', /five, six, or seven space separated parts/],
    // 7 fields (a year) is croner's, not PM2's: refused.
    ['0 0 0 1 1 * 2030', /.+/],
    ['0 0 30 2 *', /names no time that ever comes/],
  ])('refuses %p with a reason', (expression, reason) => {
    expect(cronProblem(expression)).toMatch(reason);
  });
});
