import { formatGeneralHelp, parseCommandLine, UsageError } from './cli-arguments.js';
import type { CliCommand } from './commands/cli-command.js';
import { COMMANDS } from './commands/commands.js';
import { devCommand } from './commands/dev.command.js';

/** A second command, as issue 9's operator commands will be: its own options, nothing run. */
const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Show the instance',
  help: 'Usage: procguard status [--json]\n',
  options: { json: { type: 'boolean' }, 'data-dir': { type: 'string', short: 'd' } },
  run: async () => 0,
};
const commands = [devCommand, statusCommand];

function usageError(argv: string[]): UsageError {
  try {
    parseCommandLine(argv, commands);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  describe('when a command is given', () => {
    it.each([
      [['dev'], devCommand, {}],
      [['dev', '--project', '../api'], devCommand, { project: '../api' }],
      [['dev', '--project=../api'], devCommand, { project: '../api' }],
      [['status', '-d', '/srv/data', '--json'], statusCommand, { 'data-dir': '/srv/data', json: true }],
    ])('%j runs it with its options', (argv, command, values) => {
      expect(parseCommandLine(argv, commands)).toEqual({ kind: 'run', command, values, args: [] });
    });
  });

  describe('when help or the version is asked for', () => {
    it.each([
      [['--help'], { kind: 'help', command: null }],
      [['-h'], { kind: 'help', command: null }],
      [['--version'], { kind: 'version' }],
      [['-v'], { kind: 'version' }],
      [['--version', '--help'], { kind: 'help', command: null }],
      [['dev', '--help'], { kind: 'help', command: devCommand }],
      [['dev', '--project', 'x', '-h'], { kind: 'help', command: devCommand }],
    ])('%j is %j', (argv, request) => {
      expect(parseCommandLine(argv, commands)).toEqual(request);
    });
  });

  describe('when the command line is wrong', () => {
    it.each([
      [[], 'No command given', null],
      [['deploy'], 'Unknown command "deploy". Commands: dev, status.', null],
      [['--bogus'], "Unknown option '--bogus'", null],
      [['--version', 'dev'], "Unexpected argument 'dev'", null],
      [['dev', '--bogus'], "Unknown option '--bogus'", devCommand],
      [['dev', '--json'], "Unknown option '--json'", devCommand],
      [['dev', '--project'], "Option '--project <value>' argument missing", devCommand],
      [['dev', '--project='], '--project needs a directory', devCommand],
      [['dev', 'extra'], "Unexpected argument 'extra'", devCommand],
      [['status', '--json=yes'], "Option '--json' does not take an argument", statusCommand],
    ])('%j is refused: %s', (argv, message, command) => {
      const error = usageError(argv as string[]);
      expect(error.message).toContain(message);
      expect(error.message).not.toContain('To specify a positional argument');
      expect(error.command).toBe(command);
    });
  });
});

describe('parseCommandLine with the operator commands', () => {
  const byName = (name: string) => COMMANDS.find((c) => c.name === name)!;

  it('finds a command by its alias and hands over its arguments', () => {
    expect(parseCommandLine(['ls', '--json'], COMMANDS)).toEqual({ kind: 'run', command: byName('status'), values: { json: true }, args: [] });
    expect(parseCommandLine(['stop', 'web-*', 'db', '-d', '/srv'], COMMANDS)).toMatchObject({ args: ['web-*', 'db'], values: { 'data-dir': '/srv' } });
  });

  it.each([
    [['stop'], 'Missing a process name or pattern'],
    [['logs', 'a', 'b'], "Unexpected argument 'b'"],
    [['status', 'extra'], "Unexpected argument 'extra'"],
    [['logs', 'web', '--lines', 'ten'], '--lines must be a whole number'],
    [['down', '--timeout', '1.5'], '--timeout must be a whole number of seconds'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseCommandLine(argv, COMMANDS)).toThrow(message);
  });
});

describe('formatGeneralHelp', () => {
  it('lists every command with its summary, and the version', () => {
    const help = formatGeneralHelp(COMMANDS, '1.2.3');

    expect(help).toContain('procguard 1.2.3');
    expect(help).toContain('Usage: procguard <command> [options]');
    const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const command of COMMANDS) expect(help).toMatch(new RegExp(`^  ${command.name} +${escaped(command.summary)}$`, 'm'));
    expect(help).toContain('Exit codes: 0 done, 1 the command failed, 2 bad usage, 3 no instance running');
  });
});
