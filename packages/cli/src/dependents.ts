/**
 * `tfwrap describe dependents <component> -s <stack>`: the components that depend on one, as Atmos
 * lists them (internal/exec/describe_dependents.go): same-stack `settings.depends_on` /
 * `dependencies.components` entries, and cross-stack ones that name the stack, or whose
 * `namespace`/`tenant`/`environment`/`stage` (each defaulting to the dependent's own) match the
 * component's vars.
 */
import type { Tfwrap } from '@tfwrap/core';
import type { ComponentInstance } from '@tfwrap/stacks';
import { openStacks } from './stacks.js';

export interface Dependent {
  component: string;
  component_type: 'terraform';
  stack: string;
  /** `<stack>-<component>` with `/` as `-` (Atmos's stack_slug). */
  stack_slug: string;
  namespace?: string;
  tenant?: string;
  environment?: string;
  stage?: string;
}

const contextKeys = ['namespace', 'tenant', 'environment', 'stage'] as const;

export async function dependentsOf(tfwrap: Tfwrap, componentName: string, stackName: string): Promise<Dependent[]> {
  const repo = openStacks(tfwrap);
  // Unknown stacks and components fail here, with suggestions.
  const target = await (await repo.loadStack(stackName)).component(componentName);
  const dependents: Dependent[] = [];
  for (const entry of await repo.listStacks()) {
    const stack = await repo.loadStack(entry.name);
    for (const name of stack.componentNames()) {
      if (stack.isAbstract(name)) continue;
      const instance = await stack.component(name);
      if (dependsOn(instance, target)) dependents.push(dependentEntry(instance));
    }
  }
  return dependents.sort((a, b) => (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : a.component < b.component ? -1 : a.component > b.component ? 1 : 0));
}

function dependsOn(instance: ComponentInstance, target: ComponentInstance): boolean {
  if (instance.stack === target.stack && instance.name === target.name) return false;
  if (instance.stack === target.stack && instance.dependsOn.includes(target.name)) return true;
  return instance.crossStackDependsOn.some((entry) => {
    if (entry.component !== target.name) return false;
    if (typeof entry.stack === 'string' && entry.stack !== '') return entry.stack === target.stack;
    return contextKeys.every((key) => {
      const wanted = typeof entry[key] === 'string' && entry[key] !== '' ? entry[key] : instance.vars[key];
      return wanted === target.vars[key];
    });
  });
}

function dependentEntry(instance: ComponentInstance): Dependent {
  const entry: Dependent = {
    component: instance.name,
    component_type: 'terraform',
    stack: instance.stack,
    stack_slug: `${instance.stack}-${instance.name}`.replace(/\//g, '-'),
  };
  for (const key of contextKeys) if (typeof instance.vars[key] === 'string') entry[key] = instance.vars[key] as string;
  return entry;
}
