/**
 * The uniqueness guarantee `tfwrap validate` gives: no two component instances share a Terraform
 * state, and no two stacks share a name once `/` becomes `-` (the workspace and var file names).
 * Either would let one `apply` rewrite, or one `output` print, another's resources.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parseYaml, type TfwrapError } from '@tfwrap/core';
import { ManifestProblem, toTfwrapError } from './problem.js';
import { stateAddress } from './state-address.js';
import type { StackEntry } from './repository.js';
import type { ComponentInstance } from './stack.js';

/** Where one real component keeps its state: what validate compares (and may keep between runs). */
export interface ComponentState {
  stack: string;
  name: string;
  /** Equal ids, one state (state-address.ts). */
  id: string;
  /** The place, for messages. */
  where: string;
  /** The files that made the component (ComponentInstance.sources). */
  sources: readonly string[];
  /** The manifests that name the stack, when known: a component they define is located there first. */
  stackFiles?: readonly string[];
}

export class StateConflicts {
  private readonly byFlatName = new Map<string, StackEntry>();
  private readonly byAddress = new Map<string, ComponentState>();
  /** Pairs of stacks already reported for their names (their components would repeat it). */
  private readonly collidingStacks = new Set<string>();
  private readonly problems: ManifestProblem[] = [];

  /** @param rootDir the project directory, for shorter paths in messages. */
  constructor(private readonly rootDir: string) {}

  addStack(entry: StackEntry): void {
    const flat = entry.name.replace(/\//g, '-');
    const other = this.byFlatName.get(flat);
    if (!other) return void this.byFlatName.set(flat, entry);
    if (other.name === entry.name) return; // the same name twice is listStacks's error
    this.collidingStacks.add(pairKey(other.name, entry.name));
    this.problems.push(new ManifestProblem('E_STATE_CONFLICT',
      `stacks '${other.name}' (${this.shown(other.file)}) and '${entry.name}' (${this.shown(entry.file)}) both map to the name '${flat}' (workspace and var files)`,
      entry.file, declaresName(entry.file) ? ['name'] : [], 'rename one of them, or give it another name:', textOf(entry.file)));
  }

  /** A resolved component; abstract ones are never run and have no state. */
  addComponent(instance: ComponentInstance): void {
    const state = this.stateOf(instance);
    if (state) this.addState(state);
  }

  /** Where a resolved component keeps its state; undefined for an abstract one. */
  stateOf(instance: ComponentInstance, stackFiles?: readonly string[]): ComponentState | undefined {
    if (instance.type === 'abstract') return undefined;
    const address = stateAddress({ componentDir: instance.componentDir, backendType: instance.backendType, backend: instance.backend, workspace: instance.workspace, rootDir: this.rootDir });
    return { stack: instance.stack, name: instance.name, id: address.id, where: address.where, sources: instance.sources, stackFiles };
  }

  addState(state: ComponentState): void {
    const other = this.byAddress.get(state.id);
    if (!other) return void this.byAddress.set(state.id, state);
    if (this.collidingStacks.has(pairKey(other.stack, state.stack))) return;
    const file = definingFile(state);
    this.problems.push(new ManifestProblem('E_STATE_CONFLICT',
      `component '${state.name}' of stack '${state.stack}' and component '${other.name}' of stack '${other.stack}' would share one Terraform state (${state.where})`,
      file, file ? ['components', 'terraform', state.name] : [],
      'give one of them its own metadata.terraform_workspace, or its own backend key'));
  }

  /** The conflicts found, located. */
  located(): Promise<TfwrapError[]> {
    return Promise.all(this.problems.map(toTfwrapError));
  }

  private shown(file: string): string {
    return path.relative(this.rootDir, file);
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\0${b}` : `${b}\0${a}`;
}

function textOf(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readDocument(file: string): unknown {
  try {
    return parseYaml(textOf(file) ?? '', file);
  } catch {
    return undefined;
  }
}

function declaresName(file: string): boolean {
  const doc = readDocument(file);
  return typeof doc === 'object' && doc !== null && 'name' in doc;
}

/**
 * The stack's own manifest when it writes the component, else the last file that does (sources
 * list the stack-wide layers' files first, so the stack's own file may come before a catalog's),
 * else the last source.
 */
function definingFile(instance: Pick<ComponentState, 'name' | 'sources' | 'stackFiles'>): string | undefined {
  for (const file of [...(instance.stackFiles ?? []), ...[...instance.sources].reverse()]) {
    const doc = readDocument(file) as { components?: { terraform?: Record<string, unknown> } } | undefined;
    if (doc?.components?.terraform && instance.name in doc.components.terraform) return file;
  }
  return instance.sources[instance.sources.length - 1];
}
