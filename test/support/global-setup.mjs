// Marks every process this test run starts (children inherit the environment),
// so the teardown can find any the tests left behind, even orphans.
import { randomUUID } from 'node:crypto';

export default function globalSetup() {
  process.env.PROCGUARD_TEST_RUN = randomUUID();
  // A CA bundle set for the machine (as on the reference image) makes every `node` start parse it:
  // ~50 ms each, for thousands of backends, log writers and agents. Nothing here speaks TLS.
  delete process.env.NODE_EXTRA_CA_CERTS;
}
