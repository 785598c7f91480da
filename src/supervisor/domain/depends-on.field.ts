import { describeValue, type FieldReader } from './process-config.fields.js';
import { processNameProblem } from './process-name.js';

/**
 * `dependsOn`: a list of process (spec) names, or one name. Each must be a valid name, given
 * once, and not the process itself; whether it exists and the graph has no cycle is checked
 * over the whole config (dependencyProblems).
 */
export function readDependsOn(r: FieldReader, self: string | null): readonly string[] {
  if (!r.has('dependsOn')) return Object.freeze([]);
  const value = r.raw('dependsOn');
  const list: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if (typeof value !== 'string' && !Array.isArray(value)) {
    r.fail('dependsOn', `must be a list of process names, got ${describeValue(value)}`);
    return Object.freeze([]);
  }
  const names: string[] = [];
  list.forEach((item, i) => {
    const key = Array.isArray(value) ? `dependsOn[${i}]` : 'dependsOn';
    const problem = processNameProblem(item);
    if (problem !== null) r.fail(key, `${problem}, got ${describeValue(item)}`);
    else if (item === self) r.fail(key, `names the process itself ("${self}"): dependsOn cycle: ${self} -> ${self}`);
    else if (names.includes(item as string)) r.fail(key, `names "${item as string}" twice`);
    else names.push(item as string);
  });
  return Object.freeze(names);
}
