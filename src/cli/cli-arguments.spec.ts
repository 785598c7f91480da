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

describe('formatGeneralHelp', () => {
  it('lists every command with its summary, and the version', () => {
    const help = formatGeneralHelp(COMMANDS, '1.2.3');

    expect(help).toContain('procguard 1.2.3');
    expect(help).toContain('Usage: procguard <command> [options]');
    for (const command of COMMANDS) expect(help).toMatch(new RegExp(`^  ${command.name} +${command.summary}$`, 'm'));
  });
});
