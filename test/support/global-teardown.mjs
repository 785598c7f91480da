// Safety net: SIGKILL any process still carrying this run's marker, and fail
// loudly, so a test that leaks processes is seen instead of hiding.
import { readdirSync, readFileSync } from 'node:fs';

export default function globalTeardown() {
  const marker = `PROCGUARD_TEST_RUN=${process.env.PROCGUARD_TEST_RUN}`;
  if (!process.env.PROCGUARD_TEST_RUN || process.platform !== 'linux') return;
  const leaked = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(marker)) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      process.kill(Number(entry), 'SIGKILL');
      leaked.push(`${entry} ${cmdline}`);
    } catch {
      // gone, or not ours to read
    }
  }
  if (leaked.length > 0) {
    console.error(`\nglobal teardown: killed ${leaked.length} process(es) left running by the tests:\n  ${leaked.join('\n  ')}`);
  }
}
