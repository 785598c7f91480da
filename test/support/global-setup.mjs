// Marks every process this test run starts (children inherit the environment),
// so the teardown can find any the tests left behind, even orphans.
import { randomUUID } from 'node:crypto';

export default function globalSetup() {
  process.env.PROCGUARD_TEST_RUN = randomUUID();
}
