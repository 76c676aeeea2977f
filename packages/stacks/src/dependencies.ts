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
  // Computed with a stack of its own, not recursion: a chain of thousands of components is a
  // repository's to write, and must not overflow the call stack.
  const levels = new Map<string, number>();
  const reaches = new Map<string, number>();
  const compute = (root: string): void => {
    const pending = [root];
    while (pending.length > 0) {
      const name = pending[pending.length - 1]!;
      if (reaches.has(name)) {
        pending.pop();
        continue;
      }
      const dependsOn = (byName.get(name) as T).dependsOn;
      const unknown = dependsOn.filter((dependency) => !reaches.has(dependency));
      if (unknown.length > 0) {
        pending.push(...unknown);
        continue;
      }
      let highest = -1;
      for (const dependency of dependsOn) highest = Math.max(highest, reaches.get(dependency)!);
      if (chosen(name)) levels.set(name, highest + 1);
      reaches.set(name, chosen(name) ? highest + 1 : highest);
      pending.pop();
    }
  };
  const levelOf = (name: string): number => {
    compute(name);
    return levels.get(name)!;
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

/**
 * A dependency cycle as `[a, b, a]`, or undefined. Looks at nodes in name order, so it is stable.
 * Depth first with a stack of its own (a chain of thousands must not overflow the call stack).
 */
export function findDependencyCycle(nodes: readonly DependencyNode[]): string[] | undefined {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const ON_PATH = 1;
  const DONE = 2;
  const state = new Map<string, number>();
  for (const node of [...nodes].sort((a, b) => compareNames(a.name, b.name))) {
    if (state.has(node.name)) continue;
    // The path from this node, and for each step the index of the next dependency to follow.
    const path = [node.name];
    const next = [0];
    state.set(node.name, ON_PATH);
    while (path.length > 0) {
      const name = path[path.length - 1]!;
      const dependsOn = byName.get(name)!.dependsOn;
      const index = next[next.length - 1]!;
      if (index >= dependsOn.length) {
        state.set(name, DONE);
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = index + 1;
      const dependency = dependsOn[index]!;
      const seen = state.get(dependency);
      if (seen === ON_PATH) return [...path.slice(path.indexOf(dependency)), dependency];
      if (seen === DONE || !byName.has(dependency)) continue;
      state.set(dependency, ON_PATH);
      path.push(dependency);
      next.push(0);
    }
  }
  return undefined;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
