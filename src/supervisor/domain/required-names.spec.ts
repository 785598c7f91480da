import { undeclaredNames } from './required-names.js';
import { specWith } from './testing/process-config.testing.js';

describe('undeclaredNames', () => {
  const specs = [specWith({ name: 'web' }), specWith({ name: 'ticker', instances: 2 })];

  describe('when every name is a declared instance', () => {
    it('finds no problem', () => {
      expect(undeclaredNames('READY_REQUIRES', ['web', 'ticker-1', 'ticker-2'], specs)).toEqual([]);
    });
  });

  describe('when a name is a typo', () => {
    it('names the variable and suggests the close one', () => {
      expect(undeclaredNames('READY_REQUIRES', ['webb', 'tikcer-2'], specs)).toEqual([
        'READY_REQUIRES names "webb", which the process config does not declare; did you mean "web"?',
        'READY_REQUIRES names "tikcer-2", which the process config does not declare; did you mean "ticker-2"?',
      ]);
    });
  });

  describe('when a name is far from every declared one', () => {
    it('lists what is declared', () => {
      expect(undeclaredNames('READY_REQUIRES', ['database'], specs)).toEqual([
        'READY_REQUIRES names "database", which the process config does not declare (declared: web, ticker-1, ticker-2)',
      ]);
    });

    it('says so when nothing is declared', () => {
      expect(undeclaredNames('READY_REQUIRES', ['web'], [])).toEqual([
        'READY_REQUIRES names "web", which the process config does not declare; the process config declares no processes',
      ]);
    });
  });

  describe('when a name is a spec that runs as instances', () => {
    it('says which instances it runs as', () => {
      expect(undeclaredNames('READY_REQUIRES', ['ticker'], specs)).toEqual([
        'READY_REQUIRES names "ticker", which runs as 2 instances ("ticker-1" … "ticker-2"); name the instances readiness waits for',
      ]);
    });
  });
});
