// `node --import ./record-imports.mjs`: appends the URL of every module the process
// resolves to $RECORD_IMPORTS_FILE, so a test can see what a refused start loaded.
import { register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url, { data: { file: process.env.RECORD_IMPORTS_FILE } });
