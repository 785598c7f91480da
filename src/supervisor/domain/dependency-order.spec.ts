import { dependencyLevels, dependencyProblems, type DependencyNode } from './dependency-order.js';
import { problemsOf, processWith, parse } from './testing/process-config.testing.js';

const node = (name: string, ...dependsOn: string[]): DependencyNode => ({ name, dependsOn });

describe('dependencyLevels', () => {
  it('puts each spec one level above its highest dependency, in file order within a level', () => {
    const levels = dependencyLevels([node('web', 'api', 'cache'), node('api', 'db'), node('db'), node('cache'), node('worker', 'db')]);

    expect(levels).toEqual([['db', 'cache'], ['api', 'worker'], ['web']]);
  });

  it('keeps specs with no dependencies in one level', () => {
    expect(dependencyLevels([node('a'), node('b')])).toEqual([['a', 'b']]);
  });

  it('gives no level for no specs', () => {
    expect(dependencyLevels([])).toEqual([]);
  });

  it('throws naming the chain on a cycle', () => {
    expect(() => dependencyLevels([node('web', 'api'), node('api', 'web')])).toThrow('dependsOn cycle: web -> api -> web');
  });
});

describe('dependencyProblems', () => {
  it('finds none in a graph that can be ordered', () => {
    expect(dependencyProblems([node('web', 'api'), node('api', 'db'), node('db')])).toEqual([]);
  });

  it('names a two-process cycle as its chain', () => {
    expect(dependencyProblems([node('web', 'api'), node('api', 'web')])).toEqual([
      'dependsOn cycle: web -> api -> web (a process cannot wait, even through others, for itself)',
    ]);
  });

  it('names a longer cycle once, from where it was entered, and not the process that merely leads into it', () => {
    const problems = dependencyProblems([node('front', 'web'), node('web', 'api'), node('api', 'db'), node('db', 'web')]);

    expect(problems).toEqual(['dependsOn cycle: web -> api -> db -> web (a process cannot wait, even through others, for itself)']);
  });

  it('names each of two separate cycles', () => {
    const problems = dependencyProblems([node('a', 'b'), node('b', 'a'), node('c', 'd'), node('d', 'c')]);

    expect(problems.map((p) => p.split(' (')[0])).toEqual(['dependsOn cycle: a -> b -> a', 'dependsOn cycle: c -> d -> c']);
  });

  it('names an unknown dependency with the label of the process that declares it', () => {
    const problems = dependencyProblems([{ name: 'web', dependsOn: ['dbb'], label: 'processes[0] "web"' }]);

    expect(problems).toEqual([
      'processes[0] "web": "dependsOn" names "dbb", which no process in the config is called (name a process, not one of its instances)',
    ]);
  });
});

describe('dependsOn in the process config', () => {
  it('reads a list of names, and one name as a list of one', () => {
    const specs = parse({ processes: [processWith({ name: 'db' }), processWith({ name: 'api', dependsOn: 'db' }), processWith({ name: 'web', dependsOn: ['api', 'db'] })] });

    expect(specs.map((s) => s.dependsOn)).toEqual([[], ['db'], ['api', 'db']]);
  });

  it('reads the same key in a PM2 ecosystem file', () => {
    const specs = parse({ apps: [{ name: 'db', script: 'db.js' }, { name: 'api', script: 'api.js', dependsOn: ['db'] }] });

    expect(specs[1].dependsOn).toEqual(['db']);
  });

  it('refuses a cycle as a config error naming the chain', () => {
    const problems = problemsOf({ processes: [processWith({ name: 'web', dependsOn: ['api'] }), processWith({ name: 'api', dependsOn: ['web'] })] });

    expect(problems).toEqual(['dependsOn cycle: web -> api -> web (a process cannot wait, even through others, for itself)']);
  });

  it('refuses a process depending on itself', () => {
    const problems = problemsOf({ processes: [processWith({ name: 'web', dependsOn: ['web'] })] });

    expect(problems).toEqual(['processes[0] "web": "dependsOn[0]" names the process itself ("web"): dependsOn cycle: web -> web']);
  });

  it('refuses an unknown name, and an instance name, naming the process and field', () => {
    const problems = problemsOf({ processes: [processWith({ name: 'db', instances: 2 }), processWith({ name: 'web', dependsOn: ['db-1'] })] });

    expect(problems).toEqual([
      'processes[1] "web": "dependsOn" names "db-1", which no process in the config is called (name a process, not one of its instances)',
    ]);
  });

  it.each([
    [{ dependsOn: 5 }, '"dependsOn" must be a list of process names, got 5'],
    [{ dependsOn: [''] }, '"dependsOn[0]" must not be empty, got ""'],
    [{ dependsOn: [7] }, '"dependsOn[0]" must be a string, got 7'],
    [{ dependsOn: ['db', 'db'] }, '"dependsOn[1]" names "db" twice'],
  ])('refuses %j naming the field and reason', (fields, problem) => {
    const problems = problemsOf({ processes: [processWith({ name: 'db' }), processWith({ name: 'web', ...fields })] });

    expect(problems).toEqual([`processes[1] "web": ${problem}`]);
  });
});
