import type { CliCommand } from './cli-command.js';

/** `procguard dev [--project <dir>]`. */
export const devCommand: CliCommand = {
  name: 'dev',
  summary: 'Watch-compile a Nest project and run it under its single-instance lock',
  help: [
    'Usage: procguard dev [--project <dir>]',
    '',
    'Takes the instance lock of the data directory first (a second session, or a running',
    'server, is refused with exit code 3 before anything compiles), then runs the project\'s',
    'own TypeScript in watch mode and starts the built entry after each good build, handing',
    'it the lock: one app at a time, never two. Ctrl+C stops everything; a second Ctrl+C',
    'after a second forces.',
    '',
    'The layout comes from the project\'s nest-cli.json (sourceRoot, entryFile,',
    'compilerOptions.tsConfigPath; all optional), else tsconfig.build.json or tsconfig.json,',
    'and that tsconfig\'s outDir. DATA_DIR, PORT, PID_FILE_PATH and the other variables are',
    'read from the environment as by the app; relative paths are taken from the project directory.',
    '',
    'Options:',
    '  --project <dir>  The Nest project to run (default: the current directory)',
    '  -h, --help       Show this help',
    '',
  ].join('\n'),
  options: { project: { type: 'string' } },
  validate: (values) => (values.project === '' ? '--project needs a directory.' : null),
  async run(values) {
    // Loaded on use: `procguard --help` and other commands need none of the session's modules.
    const { runDevSession } = await import('../dev-session.js');
    return runDevSession({ projectDir: typeof values.project === 'string' ? values.project : '.' });
  },
};
