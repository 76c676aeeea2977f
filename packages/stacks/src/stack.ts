/**
 * A loaded stack and its components.
 *
 * A component's configuration is a list of layers merged in order (see merge.ts for the rule):
 *
 *   1. the global sections (`vars`, `env`, `settings`, `auth`, `hooks`, `backend_type`, `backend`
 *      at the root) of every file in the import closure, in merge order;
 *   2. the `terraform:` section of every file, in merge order;
 *   3. each component of `metadata.inherits`, in list order, fully resolved (its own inherits first,
 *      then its own sections), but without the globals again;
 *   4. the component's own sections in every file, in merge order.
 *
 * Components are resolved when asked for, so that using one component of a stack does not pay
 * for (or fail on) the others.
 */
import path from 'node:path';
import type { YamlPath } from '@tfwrap/core';
import { cloneData, deepMerge, type Mapping } from './merge.js';
import type { ComponentMetadata, ComponentSection, Manifest, SectionName } from './manifest.js';
import { ManifestProblem, didYouMean, withLocatedErrors } from './problem.js';
import { finishHooks, stringValues, type Hook } from './hooks.js';
import { findDependencyCycle, levelsOf } from './dependencies.js';
import { backendWithKeyPrefix, terraformWorkspace } from './state-address.js';

export interface ComponentAuth {
  /** The identity to run Terraform as. */
  identity?: string;
  [key: string]: unknown;
}

/** One component of one stack, fully merged. Plain data; treat it as read-only. */
export interface ComponentInstance {
  /** The stack's name (`prod/us-east-1`). */
  stack: string;
  /** The component's name in the stack (`vpc`, `vpc/secondary`). */
  name: string;
  /** The Terraform directory's name: `metadata.component`, inherited from a base, else `name`. */
  component: string;
  /** Absolute path of `<components.terraform.base_path>/<component>`. */
  componentDir: string;
  type: 'real' | 'abstract';
  locked: boolean;
  /** `metadata.inherits` as written: the components this one is built on, in merge order. */
  inherits: string[];
  vars: Record<string, unknown>;
  env: Record<string, string>;
  settings: Record<string, unknown>;
  backendType?: string;
  /**
   * The settings of `backend.<backendType>`, with the automatic key prefix (s3
   * `workspace_key_prefix`, gcs `prefix`, azurerm `key`); undefined when no backend_type is set.
   */
  backend?: Record<string, unknown>;
  auth?: ComponentAuth;
  /** Enabled hooks by name, in declaration order. */
  hooks: Record<string, Hook>;
  /** `settings.depends_on`: components of the same stack to apply first. */
  dependsOn: string[];
  /**
   * Terraform workspace (Atmos's rule, see state-address.ts): the stack name, or
   * `<stack>-<name>` when built from another directory, or metadata's; `/` replaced by `-`.
   */
  workspace: string;
  /** `<stack>-<component>.terraform.tfvars.json`, with `/` replaced by `-`. */
  varfileName: string;
  /** Absolute paths of the files that contributed a layer, in merge order. */
  sources: string[];
}

export interface Stack {
  readonly name: string;
  /** Absolute path of the stack's own manifest. */
  readonly file: string;
  /** The import closure in merge order, absolute paths; `file` is last. */
  readonly files: readonly string[];
  /** Names of all components, abstract ones included, sorted. */
  componentNames(): string[];
  /** One component, resolved. Unknown names are E_COMPONENT_UNKNOWN with a suggestion. */
  component(name: string): Promise<ComponentInstance>;
  /** All components (abstract ones included), sorted by name. */
  components(): Promise<ComponentInstance[]>;
  /**
   * The real components (or only those named) in levels that can run in parallel, dependencies
   * first. Unknown or abstract dependencies and cycles are E_COMPONENT_INVALID errors.
   */
  dependencyLevels(names?: readonly string[]): Promise<ComponentInstance[][]>;
}

/** One contribution to a component: a section of one file. */
interface Layer {
  manifest: Manifest;
  /** Where `sections` sits in the file: `[]`, `['terraform']` or `['components', 'terraform', name]`. */
  at: YamlPath;
  sections: ComponentSection;
}

interface Resolved {
  instance: ComponentInstance;
  layers: Layer[];
}

export class LoadedStack implements Stack {
  readonly files: readonly string[];
  private readonly ownLayersByComponent = new Map<string, Layer[]>();
  private readonly sharedLayers: Layer[];
  private readonly inheritedLayersCache = new Map<string, Layer[]>();
  private readonly resolvedCache = new Map<string, Resolved>();
  private readonly sharedSectionsCache = new Map<SectionName, Mapping | undefined>();

  constructor(
    readonly name: string,
    readonly file: string,
    /** The import closure, in merge order. */
    private readonly manifests: readonly Manifest[],
    private readonly componentsBasePath: string,
    private readonly options: { workspacesEnabled: boolean } = { workspacesEnabled: true },
  ) {
    this.files = manifests.map((manifest) => manifest.file);
    const globals: Layer[] = [];
    const terraform: Layer[] = [];
    for (const manifest of manifests) {
      if (hasAny(manifest.globals)) globals.push({ manifest, at: [], sections: manifest.globals });
      if (hasAny(manifest.terraform)) terraform.push({ manifest, at: ['terraform'], sections: manifest.terraform });
      for (const [componentName, sections] of manifest.components) {
        let layers = this.ownLayersByComponent.get(componentName);
        if (!layers) this.ownLayersByComponent.set(componentName, (layers = []));
        layers.push({ manifest, at: ['components', 'terraform', componentName], sections });
      }
    }
    this.sharedLayers = [...globals, ...terraform];
  }

  componentNames(): string[] {
    return [...this.ownLayersByComponent.keys()].sort();
  }

  component(name: string): Promise<ComponentInstance> {
    return withLocatedErrors(() => this.resolve(name).instance);
  }

  components(): Promise<ComponentInstance[]> {
    return withLocatedErrors(() => this.componentNames().map((name) => this.resolve(name).instance));
  }

  dependencyLevels(names?: readonly string[]): Promise<ComponentInstance[][]> {
    return withLocatedErrors(() => {
      for (const name of names ?? []) {
        // Unknown names fail here, with a suggestion.
        if (this.resolve(name).instance.type === 'abstract') {
          throw new ManifestProblem('E_COMPONENT_INVALID', `component '${name}' is abstract and cannot be run`, undefined, [],
            'run a real component that inherits from it');
        }
      }
      const real = this.componentNames().map((name) => this.resolve(name)).filter((r) => r.instance.type === 'real');
      const realNames = new Set(real.map((r) => r.instance.name));
      for (const { instance, layers } of real) {
        instance.dependsOn.forEach((dependency, index) => {
          if (realNames.has(dependency)) return;
          const abstract = this.ownLayersByComponent.has(dependency);
          throw this.problemAt(layers, ['settings', 'depends_on'], [index], 'E_COMPONENT_INVALID',
            abstract
              ? `component '${instance.name}' depends on '${dependency}', which is abstract and is never applied`
              : `component '${instance.name}' depends on '${dependency}', which stack '${this.name}' does not define`,
            abstract ? 'depend on a real component that inherits from it' : didYouMean(dependency, realNames));
        });
      }
      const instances = real.map((r) => r.instance);
      const cycle = findDependencyCycle(instances);
      if (cycle) {
        const [first, second] = cycle as [string, string];
        const layers = this.resolve(first).layers;
        const index = this.resolve(first).instance.dependsOn.indexOf(second);
        throw this.problemAt(layers, ['settings', 'depends_on'], [index], 'E_COMPONENT_INVALID',
          `dependency cycle in stack '${this.name}': ${cycle.join(' -> ')}`,
          'remove one of these settings.depends_on entries');
      }
      return levelsOf(instances, names);
    });
  }

  /** Resolve a component; throws ManifestProblem. */
  private resolve(name: string): Resolved {
    const cached = this.resolvedCache.get(name);
    if (cached) return cached;
    if (!this.ownLayersByComponent.has(name)) {
      const known = this.componentNames();
      throw new ManifestProblem('E_COMPONENT_UNKNOWN', `stack '${this.name}' has no component '${name}'`,
        this.file, ['components', 'terraform'],
        didYouMean(name, known) ?? (known.length === 0 ? 'the stack defines no components'
          : `the stack defines ${known.slice(0, 10).join(', ')}${known.length > 10 ? `, ... (${known.length} in all)` : ''}`));
    }

    const componentLayers = this.inheritedLayers(name, [name]);
    const layers = [...this.sharedLayers, ...componentLayers];
    // The globals and terraform: layers are the same for every component: merged once per stack.
    const merged = (section: SectionName): Mapping => deepMerge([
      this.sharedSection(section),
      ...componentLayers.map((layer) => layer.sections[section] as Mapping | undefined),
    ]);
    const metadata = this.ownMetadata(name);

    const settings = merged('settings');
    const backendType = lastDefined(layers, 'backend_type') as string | undefined;
    const backends = merged('backend');
    const auth = merged('auth');
    const hooks = finishHooks(merged('hooks'), (hookName) => {
      const origin = lastLayerWith(layers, ['hooks', hookName]);
      return origin && { file: origin.manifest.file, yamlPath: [...origin.at, 'hooks', hookName], text: origin.manifest.text };
    }, name);
    const component = this.inheritedMetadataOf(name, 'component') ?? name;
    const flatten = (text: string) => text.replace(/\//g, '-');
    const vars = merged('vars');
    // The metadata that decides where the state is: the component's own, else its bases'.
    const stateMetadata: Mapping = {};
    for (const key of ['name', 'terraform_workspace', 'terraform_workspace_pattern', 'terraform_workspace_template'] as const) {
      const value = this.inheritedMetadataOf(name, key);
      if (value !== undefined) stateMetadata[key] = value;
    }
    if (stateMetadata.terraform_workspace_template !== undefined) {
      throw this.problemAt(this.inheritedLayers(name, [name]), ['metadata', 'terraform_workspace_template'], [], 'E_COMPONENT_INVALID',
        `component '${name}' sets metadata.terraform_workspace_template, which tfwrap does not support yet`,
        'use metadata.terraform_workspace_pattern ({stage}, {component}, ...) or metadata.terraform_workspace');
    }
    let backend: Mapping | undefined;
    if (backendType !== undefined) {
      const rootBackends = this.sharedSection('backend') ?? {};
      const ownBackends = deepMerge((this.ownLayersByComponent.get(name) ?? []).map((layer) => layer.sections.backend as Mapping | undefined));
      backend = backendWithKeyPrefix({
        name, component, metadata: stateMetadata, backendType,
        backend: (backends[backendType] ?? {}) as Mapping,
        rootAzurermKey: ((rootBackends.azurerm ?? {}) as Mapping).key,
        ownAzurermKey: typeof ((ownBackends.azurerm ?? {}) as Mapping).key === 'string',
      });
    }
    const workspace = terraformWorkspace({
      stack: this.name, name, component, metadata: stateMetadata, vars, backendType, workspacesEnabled: this.options.workspacesEnabled,
    });

    // The merge shares nested values with the cached manifests; hand out copies.
    const instance: ComponentInstance = cloneData({
      stack: this.name,
      name,
      component,
      componentDir: path.join(this.componentsBasePath, component),
      type: metadata.type === 'abstract' ? 'abstract' : 'real',
      locked: metadata.locked === true,
      inherits: metadata.inherits ?? [],
      vars,
      env: stringValues(merged('env')),
      settings,
      backendType,
      backend,
      auth: Object.keys(auth).length > 0 ? (auth as ComponentAuth) : undefined,
      hooks,
      dependsOn: Array.isArray(settings.depends_on) ? (settings.depends_on as string[]) : [],
      workspace,
      varfileName: flatten(`${this.name}-${name}.terraform.tfvars.json`),
      sources: [...new Set(layers.map((layer) => layer.manifest.file))],
    });
    if (instance.backendType === undefined) delete instance.backendType;
    if (instance.backend === undefined) delete instance.backend;
    if (instance.auth === undefined) delete instance.auth;

    const resolved = { instance, layers };
    this.resolvedCache.set(name, resolved);
    return resolved;
  }

  private sharedSection(section: SectionName): Mapping | undefined {
    if (!this.sharedSectionsCache.has(section)) {
      const layers = this.sharedLayers.map((layer) => layer.sections[section] as Mapping | undefined);
      this.sharedSectionsCache.set(section, layers.some((layer) => layer !== undefined) ? deepMerge(layers) : undefined);
    }
    return this.sharedSectionsCache.get(section);
  }

  /**
   * The component's layers without the globals: each inherited component's (recursively), then its
   * own. `chain` is the inheritance path to here, for cycle detection.
   */
  private inheritedLayers(name: string, chain: string[]): Layer[] {
    const cached = this.inheritedLayersCache.get(name);
    if (cached) return cached;
    const own = this.ownLayersByComponent.get(name) ?? [];
    const inherits = this.ownMetadata(name).inherits ?? [];
    const layers: Layer[] = [];
    inherits.forEach((base, index) => {
      const problem = (message: string, hint?: string) =>
        this.problemAt(own, ['metadata', 'inherits'], [index], 'E_COMPONENT_INVALID', message, hint);
      if (!this.ownLayersByComponent.has(base)) {
        throw problem(`component '${name}' inherits from '${base}', which stack '${this.name}' does not define`,
          didYouMean(base, this.ownLayersByComponent.keys()) ?? 'define it in the stack or in a catalog it imports');
      }
      if (chain.includes(base)) {
        throw problem(`inheritance cycle: ${[...chain.slice(chain.indexOf(base)), base].join(' -> ')}`,
          'a component cannot inherit from itself, directly or through other components');
      }
      layers.push(...this.inheritedLayers(base, [...chain, base]));
    });
    layers.push(...own);
    this.inheritedLayersCache.set(name, layers);
    return layers;
  }

  /** The component's own metadata, merged across files. Metadata is not inherited (see README). */
  private ownMetadata(name: string): ComponentMetadata {
    const layers = this.ownLayersByComponent.get(name) ?? [];
    return deepMerge(layers.map((layer) => layer.sections.metadata)) as ComponentMetadata;
  }

  /**
   * A metadata value that decides the component's directory or state (`component`, `name`,
   * `terraform_workspace`, ...): the component's own, else the last inherited component's that has
   * one (so `vpc-secondary` inheriting `vpc-defaults` deploys the `vpc` directory too).
   */
  private inheritedMetadataOf(name: string, key: string): string | undefined {
    const metadata = this.ownMetadata(name);
    const own = metadata[key];
    if (typeof own === 'string') return own;
    for (const base of [...(metadata.inherits ?? [])].reverse()) {
      const inherited = this.inheritedMetadataOf(base, key);
      if (inherited !== undefined) return inherited;
    }
    return undefined;
  }

  /** A problem located at `key` (+ `index`) in the last of `layers` that writes `key`. */
  private problemAt(layers: Layer[], key: string[], index: YamlPath, code: ManifestProblem['code'], message: string, hint?: string): ManifestProblem {
    const origin = lastLayerWith(layers, key);
    return origin
      ? new ManifestProblem(code, message, origin.manifest.file, [...origin.at, ...key, ...index], hint, origin.manifest.text)
      : new ManifestProblem(code, message, this.file, [], hint);
  }
}

function hasAny(sections: object): boolean {
  return Object.values(sections).some((value) => value !== undefined);
}

function lastDefined(layers: Layer[], key: keyof ComponentSection): unknown {
  for (let i = layers.length - 1; i >= 0; i--) {
    const value = (layers[i] as Layer).sections[key];
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The last layer in which the value at `keyPath` is written. */
function lastLayerWith(layers: Layer[], keyPath: string[]): Layer | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    let value: unknown = (layers[i] as Layer).sections;
    for (const key of keyPath) value = value !== null && typeof value === 'object' ? (value as Mapping)[key] : undefined;
    if (value !== undefined) return layers[i];
  }
  return undefined;
}
