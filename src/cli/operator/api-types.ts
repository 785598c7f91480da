import type { StoredEvent } from '../../history/domain/stored-event.js';
import type { ProcessStatus } from '../../supervisor/application/process-status.js';
import type { ReloadOutcome } from '../../supervisor/application/reload-outcomes.js';

/*
 * The API's answers as the CLI reads them: the backend's own types, imported as types only
 * (erased at build, so the CLI loads none of the backend), not a second copy to keep in step.
 */

/** `resources` is absent on a backend without the metrics slice. */
export type ProcessStatusView = Omit<ProcessStatus, 'resources'> & { readonly resources?: ProcessStatus['resources'] };

export type StoredEventView = StoredEvent;

export type ReloadOutcomeView = ReloadOutcome;
