/** What the dependency order needs of a spec: its name and the spec names it waits for. */
export interface DependencyNode {
  readonly name: string;
  readonly dependsOn: readonly string[];
  /** How problems name it, e.g. `processes[1] "web"`; the quoted name when absent. */
  readonly label?: string;
}

/**
 * Problems with the `dependsOn` graph: a name no process has, and each cycle once, as its
 * chain (`dependsOn cycle: web -> api -> web`). Empty when the graph can be ordered.
 */
export function dependencyProblems(nodes: readonly DependencyNode[]): string[] {
  const problems: string[] = [];
  const byName = new Map(nodes.map((node) => [node.name, node]));
  for (const node of nodes) {
    for (const dep of node.dependsOn) {
      if (!byName.has(dep)) problems.push(`${node.label ?? `"${node.name}"`}: "dependsOn" names "${dep}", which no process in the config is called (name a process, not one of its instances)`);
    }
  }
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (name: string): void => {
    if (done.has(name)) return;
    if (onPath.has(name)) {
      const chain = [...path.slice(path.indexOf(name)), name];
      problems.push(`dependsOn cycle: ${chain.join(' -> ')} (a process cannot wait, even through others, for itself)`);
      return;
    }
    const node = byName.get(name);
    if (!node) return;
    path.push(name);
    onPath.add(name);
    for (const dep of node.dependsOn) visit(dep);
    path.pop();
    onPath.delete(name);
    done.add(name);
  };
  for (const node of nodes) visit(node.name);
  return problems;
}

/**
 * The specs in levels: level 0 depends on nothing, level n only on lower levels. Start in
 * this order, stop in reverse; a level's members are independent, so each level may run in
 * parallel. Unknown names are ignored (the parser refuses them).
 * @throws Error on a cycle (the parser refuses those first; see dependencyProblems).
 */
export function dependencyLevels(nodes: readonly DependencyNode[]): string[][] {
  const names = new Set(nodes.map((node) => node.name));
  const level = new Map<string, number>();
  let remaining = [...nodes];
  while (remaining.length > 0) {
    const next: DependencyNode[] = [];
    for (const node of remaining) {
      const deps = node.dependsOn.filter((dep) => names.has(dep));
      if (deps.every((dep) => level.has(dep))) level.set(node.name, Math.max(-1, ...deps.map((dep) => level.get(dep) ?? 0)) + 1);
      else next.push(node);
    }
    if (next.length === remaining.length) {
      const problem = dependencyProblems(nodes).find((p) => p.startsWith('dependsOn cycle'));
      throw new Error(problem ?? 'dependsOn cannot be ordered');
    }
    remaining = next;
  }
  const levels: string[][] = [];
  for (const node of nodes) (levels[level.get(node.name) ?? 0] ??= []).push(node.name);
  return levels;
}
