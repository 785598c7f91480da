import type { ProcessManager } from '../application/process-manager.service.js';

const SHOWN = 5;

/**
 * For a spec name with several instances (`ticker` → `ticker-1`…), the words that
 * point at them; '' for any other name. Routes take instance names only.
 */
export function instancesHint(manager: ProcessManager, name: string): string {
  const instances = manager
    .statusAll('*')
    .filter((s) => s.specName === name && s.name !== name)
    .map((s) => s.name);
  if (instances.length === 0) return '';
  const shown = instances.slice(0, SHOWN).join(', ');
  const more = instances.length > SHOWN ? ` and ${instances.length - SHOWN} more` : '';
  return `; "${name}" has ${instances.length} instances, use one of their names: ${shown}${more}`;
}
