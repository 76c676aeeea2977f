/**
 * Ordering components by `settings.depends_on`: levels of components that do not depend on each
 * other, so each level can run in parallel once the previous levels are done.
 */
import { TfwrapError } from '@tfwrap/core';
import { didYouMean } from '@tfwrap/core';

export interface DependencyNode {
  name: string;
  dependsOn: readonly string[];
}

/**
 * Levels of `nodes`: level 0 depends on nothing, each later level only on earlier ones. With
 * `selected`, only those nodes are returned, still ordered through the unselected ones (if a
 * depends on b depends on c, and only a and c are selected, c comes first). Names in a level are
 * sorted. An unknown dependency or a cycle is an E_COMPONENT_INVALID error.
 */
export function dependencyLevels<T extends DependencyNode>(nodes: readonly T[], selected?: readonly string[]): T[][] {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  for (const node of nodes) {
    for (const dependency of node.dependsOn) {
      if (!byName.has(dependency)) {
        throw new TfwrapError('E_COMPONENT_INVALID', `component '${node.name}' depends on unknown component '${dependency}'`, {
          hint: didYouMean(dependency, byName.keys()),
        });
      }
    }
  }
  const cycle = findDependencyCycle(nodes);
  if (cycle) {
    throw new TfwrapError('E_COMPONENT_INVALID', `dependency cycle: ${cycle.join(' -> ')}`, {
      hint: 'remove one of these settings.depends_on entries',
    });
  }
  return levelsOf(nodes, selected);
}

/** Levels of an acyclic graph whose dependencies all exist (checked by the caller). */
export function levelsOf<T extends DependencyNode>(nodes: readonly T[], selected?: readonly string[]): T[][] {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const isSelected = selected ? new Set(selected) : undefined;
  const chosen = (name: string) => isSelected === undefined || isSelected.has(name);

  // level(n): where a selected n runs. reach(n): the highest level of a selected node among n and
  // what n depends on, -1 if none: dependencies through unselected nodes still order selected ones.
  const levels = new Map<string, number>();
  const reaches = new Map<string, number>();
  const levelOf = (name: string): number => {
    let level = levels.get(name);
    if (level === undefined) {
      level = 1 + Math.max(-1, ...(byName.get(name) as T).dependsOn.map(reachOf));
      levels.set(name, level);
    }
    return level;
  };
  const reachOf = (name: string): number => {
    let reach = reaches.get(name);
    if (reach === undefined) {
      reach = chosen(name) ? levelOf(name) : Math.max(-1, ...(byName.get(name) as T).dependsOn.map(reachOf));
      reaches.set(name, reach);
    }
    return reach;
  };

  const result: T[][] = [];
  for (const node of [...nodes].sort((a, b) => compareNames(a.name, b.name))) {
    if (!chosen(node.name)) continue;
    const level = levelOf(node.name);
    while (result.length <= level) result.push([]);
    (result[level] as T[]).push(node);
  }
  return result.filter((level) => level.length > 0);
}

/** A dependency cycle as `[a, b, a]`, or undefined. Looks at nodes in name order, so it is stable. */
export function findDependencyCycle(nodes: readonly DependencyNode[]): string[] | undefined {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const done = new Set<string>();
  const onPath: string[] = [];

  const visit = (name: string): string[] | undefined => {
    if (done.has(name)) return undefined;
    const start = onPath.indexOf(name);
    if (start >= 0) return [...onPath.slice(start), name];
    const node = byName.get(name);
    if (!node) return undefined;
    onPath.push(name);
    for (const dependency of node.dependsOn) {
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    onPath.pop();
    done.add(name);
    return undefined;
  };

  for (const node of [...nodes].sort((a, b) => compareNames(a.name, b.name))) {
    const cycle = visit(node.name);
    if (cycle) return cycle;
  }
  return undefined;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
