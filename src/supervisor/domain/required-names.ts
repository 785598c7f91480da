import { didYouMean } from './did-you-mean.js';
import { expandInstances, type ProcessSpec } from './process-spec.js';

/**
 * Checks names that must be declared instances (READY_REQUIRES) against the specs: an unknown
 * name would keep readiness at 503 for ever. A spec with instances is named by its instances.
 *
 * @param variable what the names came from, named in each problem.
 * @returns one problem per unknown name, with a suggestion when one is close.
 */
export function undeclaredNames(variable: string, required: readonly string[], specs: readonly ProcessSpec[]): string[] {
  const instances = specs.flatMap((spec) => expandInstances(spec).map((instance) => instance.name));
  const problems: string[] = [];
  for (const name of required) {
    if (instances.includes(name)) continue;
    const spec = specs.find((s) => s.name === name);
    if (spec) {
      problems.push(
        `${variable} names "${name}", which runs as ${spec.instances} instances ("${name}-1" … "${name}-${spec.instances}"); name the instances readiness waits for`,
      );
      continue;
    }
    const suggestion = didYouMean(name, instances);
    const hint = suggestion
      ? `; did you mean "${suggestion}"?`
      : instances.length === 0
        ? '; the process config declares no processes'
        : ` (declared: ${instances.slice(0, 10).join(', ')}${instances.length > 10 ? ', …' : ''})`;
    problems.push(`${variable} names "${name}", which the process config does not declare${hint}`);
  }
  return problems;
}
