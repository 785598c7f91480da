import { bootstrap } from 'procguard/bootstrap';

// procguard takes the instance lock before this app's module (and Nest) is loaded,
// refuses a second copy with a message naming the first, and owns the signals.
void bootstrap({ module: () => import('./app.module.js') });
