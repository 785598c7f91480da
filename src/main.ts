import { EXIT } from './exit-codes.js';
import { runInstance } from './bootstrap/run-instance.js';

// Nothing Nest-related is imported here: run-instance takes the lock first and loads Nest afterwards.
void runInstance().catch((error: unknown) => {
  console.error(`[procguard] fatal: ${(error as Error).stack ?? String(error)}`);
  process.exit(EXIT.failure);
});
