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
import { statSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { AtmosTag, TfwrapError, type YamlPath } from '@tfwrap/core';
import { DeferredMerge, MergeMemo, cloneData, deepMerge, setKey, valueAt, viewOf, withDeferredMerges, type Mapping } from './merge.js';
import { overridesOf, sectionNames, type ComponentMetadata, type ComponentSection, type ConfigSections, type Manifest, type SectionName } from './manifest.js';
import { defaultTerraformCommand, nameFromPattern, nameFromTemplate, type ListMergeStrategy, type StacksSettings } from './settings.js';
import { evaluateTemplateTags, hasTag, unsupportedFunctionIn } from './yaml-functions.js';
import { notThere, placedReads, readFunctionMergeProblem, replaceAt, type PlacedRead } from './env-lookup.js';
import { deferredTagsIn, isDeferred, parseDeferredCall } from './deferred.js';
import { render, renderSection, type TemplatesSettings } from './templates.js';
import { didYouMean } from '@tfwrap/core';
import { ManifestProblem, withLocatedErrors } from './problem.js';
import { finishStackCommands, stringValues, type StackCommand } from './stack-commands.js';
import { findDependencyCycle, levelsOf } from './dependencies.js';
import { backendWithKeyPrefix, fillContextTokens, terraformWorkspace } from './state-address.js';

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
  /**
   * The metadata as Atmos merges it: the stack-wide `metadata:`, its bases' (all but inherits and
   * type), its own; `type`, `locked` and `enabled` above are read from it.
   */
  metadata: Record<string, unknown>;
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
  /** Enabled stack commands (the `hooks:` section) by name, in declaration order. */
  hooks: Record<string, StackCommand>;
  /** `metadata.enabled` (default true): a disabled component is left out of whole-stack runs. */
  enabled: boolean;
  /** `providers:`, written to `providers_override.tf.json` when not empty. */
  providers: Record<string, unknown>;
  /**
   * The program that runs Terraform for it, by Atmos's rule (stack_processor_merge.go): the last of
   * `components.terraform.command`, `terraform: { command }`, its bases', its own, `overrides.command`.
   */
  command: string;
  /** The component's own `locals:` (merged through its bases), shown by describe, used by its templates; absent when none. */
  locals?: Record<string, unknown>;
  remoteStateBackendType?: string;
  remoteStateBackend?: Record<string, unknown>;
  /**
   * Components of the same stack to apply first: `settings.depends_on` (a list of names, or Atmos's
   * map of `{ component }` entries) and `dependencies.components` entries without another stack.
   */
  dependsOn: string[];
  /** Dependencies on components of other stacks: reported, not run. */
  crossStackDependsOn: Array<{ component: string; stack?: string; [key: string]: unknown }>;
  /**
   * Files and folders whose change makes `describe affected` list the component (Atmos's rule,
   * see pathDependenciesOf), as written: relative to the project directory. Not run dependencies.
   */
  fileDependencies: string[];
  folderDependencies: string[];
  /** The list merge strategy used for this component (`settings.list_merge_strategy`). */
  listMergeStrategy: ListMergeStrategy;
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
  /** Whether a component is abstract (`metadata.type`), known without resolving it. */
  isAbstract(name: string): boolean;
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

interface MergePlan {
  /** The component's inherited and own layers, in merge order. */
  componentLayers: Layer[];
  /** The shared layers, then componentLayers. */
  layers: Layer[];
  overrides: Mapping;
  lists: ListMergeStrategy;
  merged: (section: SectionName) => Mapping;
  /** Whether a merged section holds a DeferredMerge (merge.ts). */
  deferredMerges: () => boolean;
  /** Whether a layer (or the overrides) holds an Atmos function: without one, nothing below can. */
  tagged: boolean;
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
  private readonly sharedSectionsCache = new Map<ListMergeStrategy, Map<SectionName, Mapping | undefined>>();
  private readonly ownMetadataCache = new Map<string, ComponentMetadata>();
  private readonly metadataCache = new Map<string, ComponentMetadata>();
  private readonly inheritedMetadataCache = new Map<string, Map<string, string | undefined>>();
  /**
   * Finished stack commands and env by the merged mapping they come from: a component that adds
   * no `hooks:` or `env:` of its own merges to the stack's shared mapping, finished once per stack.
   */
  private readonly stackCommandsByHooks = new WeakMap<Mapping, Record<string, StackCommand>>();
  private readonly envByMapping = new WeakMap<Mapping, Record<string, string>>();

  private readonly componentsBasePath: string;
  /** The manifest's path under the stacks directory without extension (`.atmos_stack_file`). */
  private readonly stackFile: string;

  constructor(
    readonly name: string,
    readonly file: string,
    /** The import closure, in merge order. */
    private readonly manifests: readonly Manifest[],
    private readonly stacksSettings: Pick<StacksSettings, 'componentsBasePath' | 'listMergeStrategy' | 'workspacesEnabled'>
      & Partial<Pick<StacksSettings, 'stacksBasePath' | 'templates' | 'inheritMetadata' | 'terraformCommand' | 'githubIntegration' | 'atlantisProjectTemplates' | 'nameTemplate' | 'namePattern'>>,
    /** The `overrides` that apply to the components each file defines (see overrides.ts), by manifest key. */
    private readonly overridesByFile: ReadonlyMap<string, ConfigSections> = new Map(),
    /** A component of any stack, for `atmos.Component` in templates. */
    private readonly componentOf?: (stack: string, component: string) => ComponentInstance,
    /** False: resolved components share nested values with the parsed files (for callers that only read them). */
    private readonly copyValues = true,
    /** Merges shared with the other stacks of the repository (merge.ts). */
    private readonly mergeMemo = new MergeMemo(),
    /** `overridesByFile` again, each file's own overrides given by `overridesOf` (for `!env` values in them). */
    private readonly overridesWith?: (overridesOf: (manifest: Manifest) => ConfigSections) => ReadonlyMap<string, ConfigSections>,
  ) {
    this.componentsBasePath = stacksSettings.componentsBasePath;
    this.stackFile = (stacksSettings.stacksBasePath === undefined ? path.basename(file)
      : path.relative(stacksSettings.stacksBasePath, file).split(path.sep).join('/')).replace(/\.ya?ml$/, '');
    this.files = [...new Set(manifests.map((manifest) => manifest.file))];
    const globals: Layer[] = [];
    const terraform: Layer[] = [];
    for (const manifest of manifests) {
      // The stack's own file is its alone: what is merged from it is not shared with other stacks.
      const local = manifest.file === file;
      if (local) for (const sections of [manifest.globals, manifest.terraform, ...manifest.components.values()]) this.addLocal(sections);
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

  /** Whether no shared layer holds an Atmos tag (the same for every component). */
  private sharedLayersTagFree: boolean | undefined;

  private readonly componentDirs = new Map<string, string>();
  private componentDir(component: string): string {
    let dir = this.componentDirs.get(component);
    if (dir === undefined) this.componentDirs.set(component, (dir = path.join(this.componentsBasePath, component)));
    return dir;
  }

  /** The files of the shared layers, then of the component's (each once, in merge order). */
  private sharedSources: string[] | undefined;
  private sharedSourceSet: Set<string> | undefined;
  private sourcesOf(componentLayers: readonly Layer[]): string[] {
    // Without copying a Set per component: a stack's fifty components each add two or three files.
    this.sharedSources ??= [...new Set(this.sharedLayers.map((layer) => layer.manifest.file))];
    this.sharedSourceSet ??= new Set(this.sharedSources);
    const files = this.sharedSources.slice();
    for (const layer of componentLayers) {
      const file = layer.manifest.file;
      if (!this.sharedSourceSet.has(file) && !files.includes(file)) files.push(file);
    }
    return files;
  }


  /** Values of this stack alone (its own file's sections, and merges including them): never merged through the shared memo. */
  private readonly localValues = new Set<unknown>();
  private addLocal(sections: ComponentSection): void {
    for (const value of Object.values(sections)) if (value !== undefined) this.localValues.add(value);
  }

  /** Merge layers, through the repository's memo when none of them is this stack's alone. */
  private mergeLayers(layers: ReadonlyArray<Mapping | undefined>, lists: ListMergeStrategy): Mapping {
    for (const layer of layers) {
      if (layer !== undefined && this.localValues.has(layer)) {
        const merged = deepMerge(layers, lists);
        this.localValues.add(merged);
        return merged;
      }
    }
    return this.mergeMemo.merge(layers, lists);
  }

  componentNames(): string[] {
    return [...this.ownLayersByComponent.keys()].sort();
  }

  isAbstract(name: string): boolean {
    return this.ownMetadata(name).type === 'abstract';
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

  /** A component, resolved, for CombinedStack; throws ManifestProblem. */
  resolveSync(name: string): ComponentInstance {
    return this.resolve(name).instance;
  }

  /** Resolve a component; throws ManifestProblem. */
  private resolve(name: string): Resolved {
    const cached = this.resolvedCache.get(name);
    if (cached) return cached;
    // atmos.Component in a template may lead back here.
    const key = `${this.name}\0${name}`;
    if (resolving.has(key)) {
      throw new TfwrapError('E_COMPONENT_INVALID', `atmos.Component cycle: component '${name}' of stack '${this.name}' needs its own values through Go templates`, {
        location: { file: this.file }, hint: 'break the loop: one of the components must not read the other with atmos.Component',
      });
    }
    resolving.add(key);
    try {
      return this.resolveOnce(name);
    } finally {
      resolving.delete(key);
    }
  }

  private resolveOnce(name: string): Resolved {
    if (!this.ownLayersByComponent.has(name)) {
      const known = this.componentNames();
      throw new ManifestProblem('E_COMPONENT_UNKNOWN', `stack '${this.name}' has no component '${name}'`,
        this.file, ['components', 'terraform'],
        didYouMean(name, known) ?? (known.length === 0 ? 'the stack defines no components'
          : `the stack defines ${known.slice(0, 10).join(', ')}${known.length > 10 ? `, ... (${known.length} in all)` : ''}`));
    }

    this.checkLegacyBase(name);
    const { componentLayers, layers, overrides, lists, merged, deferredMerges, tagged } = this.mergePlan(name);
    this.readsFunctions ??= this.manifests.some((manifest) => (manifest.functionReads?.length ?? 0) > 0);
    if (this.readsFunctions) {
      // Atmos's layers: the globals, the bases, the component's own files (overrides aside).
      const own = this.ownLayersByComponent.get(name)?.length ?? 0;
      const problem = readFunctionMergeProblem(layers, (index) => (index < this.sharedLayers.length ? 0 : index < layers.length - own ? 1 : 2), lists);
      if (problem) throw problem;
    }
    const metadata = this.metadataOf(name);

    let settings = withGithubIntegration(merged('settings'), this.stacksSettings.githubIntegration);
    const lastOf = (key: keyof ComponentSection) => (overrides[key] as unknown) ?? lastDefined(layers, key);
    const backendType = lastOf('backend_type') as string | undefined;
    const backends = merged('backend');
    // Atmos (stack_processor_backend.go processTerraformRemoteStateBackend): the type defaults to
    // backend_type, and the settings are the backend's (when of that type) under remote_state_backend's.
    const remoteStateBackendType = (lastOf('remote_state_backend_type') as string | undefined) ?? backendType;
    const remoteStateBackends = merged('remote_state_backend');
    let auth = merged('auth');
    let hookSections = merged('hooks');
    const component = this.inheritedMetadataOf(name, 'component') ?? name;
    const flatten = (text: string) => text.replace(/\//g, '-');
    let vars = merged('vars');
    let env = merged('env');
    let providers = merged('providers');
    let command = this.commandOf(layers, overrides);
    let locals = merged('locals');
    let dependencies = merged('dependencies');
    // The metadata that decides where the state is: the component's own, else its bases'.
    const stateMetadata: Mapping = {};
    for (const key of ['name', 'terraform_workspace', 'terraform_workspace_pattern', 'terraform_workspace_template'] as const) {
      const value = this.inheritedMetadataOf(name, key);
      if (value !== undefined) stateMetadata[key] = value;
    }
    // A type whose section names only other types is a mistake Atmos stops at (checkTerraformBackendTypeMatch).
    const typeMismatch = (typeKey: 'backend_type' | 'remote_state_backend_type', sectionKey: string, type: string | undefined, sections: Mapping) => {
      if (type === undefined || Object.keys(sections).length === 0 || Object.prototype.hasOwnProperty.call(sections, type)) return;
      const configured = Object.keys(sections).sort().join(', ');
      throw this.problemAt(layers, lastDefined(layers, typeKey) === undefined ? ['backend_type'] : [typeKey], [], 'E_COMPONENT_INVALID',
        `component '${name}' of stack '${this.name}': ${typeKey} is "${type}" but ${sectionKey}: only configures ${configured}`,
        `add a "${type}" key under ${sectionKey}:, or change ${typeKey} to match`);
    };
    typeMismatch('backend_type', 'backend', backendType, backends);
    typeMismatch('remote_state_backend_type', 'remote_state_backend', remoteStateBackendType, remoteStateBackends);
    let backend: Mapping | undefined;
    if (backendType !== undefined) {
      // Where an azurerm key was written matters (state-address.ts); the other backends do not ask.
      const azurerm = backendType === 'azurerm';
      const rootBackends = azurerm ? this.sharedSection('backend') ?? {} : {};
      const ownBackends = azurerm ? deepMerge((this.ownLayersByComponent.get(name) ?? []).map((layer) => layer.sections.backend as Mapping | undefined)) : {};
      backend = backendWithPrefix({
        name, component, metadata: stateMetadata, backendType,
        backend: (backends[backendType] ?? {}) as Mapping,
        rootAzurermKey: ((rootBackends.azurerm ?? {}) as Mapping).key,
        ownAzurermKey: typeof ((ownBackends.azurerm ?? {}) as Mapping).key === 'string',
      });
    }
    let remoteStateBackend = remoteStateBackendType === undefined ? undefined
      : deepMerge([remoteStateBackendType === backendType ? backend : undefined, remoteStateBackends[remoteStateBackendType] as Mapping | undefined]);
    // What Go templates see (Atmos's component section, as ProcessStacks builds it): built only
    // when a template reads it (most components have none, and resolving every one pays for it).
    let section: Mapping | undefined;
    const templateSection = (): Mapping => {
      if (section) return section;
      const stackFile = this.stackFile;
      // Templates read a deferred merge as Atmos's value before functions are evaluated.
      const view = deferredMerges() ? viewOf : <T>(value: T) => value;
      section = {
        atmos_component: name, atmos_stack: this.name, stack: this.name,
        atmos_stack_file: stackFile, atmos_manifest: stackFile,
        component, vars: view(vars), settings: view(settings), env: view(env),
      };
      // Keys left out rather than deleted: `validate` builds a hundred thousand of these.
      if (backendType !== undefined) section.backend_type = backendType;
      section.backend = backend ?? {};
      if (remoteStateBackendType !== undefined) section.remote_state_backend_type = remoteStateBackendType;
      section.remote_state_backend = remoteStateBackend ?? {};
      section.providers = view(providers);
      section.metadata = metadata;
      section.command = command;
      Object.assign(section, { inheritance: this.inheritsOf(name), hooks: hookSections, auth, overrides });
      Object.assign(section, this.integrationNames(name, section));
      if (Object.keys(locals).length > 0) section.locals = locals;
      if (Object.keys(dependencies).length > 0) section.dependencies = dependencies;
      return section;
    };
    const templates = this.stacksSettings.templates;
    const workspaceMetadata = { ...stateMetadata };
    if (typeof stateMetadata.terraform_workspace_template === 'string') {
      // Atmos (stack_utils.go BuildTerraformWorkspace): first of the workspace rules, missingkey=error.
      workspaceMetadata.terraform_workspace = render(stateMetadata.terraform_workspace_template, templateSection(), {
        name: 'terraform-workspace-template', missingKey: 'error', delimiters: ['{{', '}}'], sprig: true,
        where: { ...this.whereWritten(name, ['metadata', 'terraform_workspace_template']), what: `metadata.terraform_workspace_template of component '${name}' in stack '${this.name}'` },
      });
      delete workspaceMetadata.terraform_workspace_pattern;
    }
    const workspace = terraformWorkspace({
      stack: this.name, name, component, metadata: workspaceMetadata, vars, backendType, workspacesEnabled: this.stacksSettings.workspacesEnabled,
    });
    if (templates?.enabled) {
      const data = { ...templateSection(), workspace };
      // With deferred merges, what is rendered keeps them (their functions rendered); templates read the data.
      const rendered = deferredMerges()
        ? this.renderComponentSection(name, { ...data, vars, settings, env, providers }, layers, withComponentTemplateEnv(templates, settings), data)
        : this.renderComponentSection(name, data, layers, withComponentTemplateEnv(templates, settings));
      if (rendered) {
        const mapping = (key: string): Mapping => (isPlainMapping(rendered[key]) ? rendered[key] as Mapping : {});
        vars = mapping('vars');
        settings = mapping('settings');
        env = mapping('env');
        providers = mapping('providers');
        auth = mapping('auth');
        hookSections = mapping('hooks');
        if (backend !== undefined) backend = mapping('backend');
        if (remoteStateBackendType !== undefined) remoteStateBackend = mapping('remote_state_backend');
        command = typeof rendered.command === 'string' ? rendered.command : command;
        locals = mapping('locals');
        dependencies = mapping('dependencies');
      }
    }
    // No layer holding an Atmos tag (the usual case): nothing below can find one (a template renders
    // to YAML without tfwrap's tags), so the walks over every section are skipped.
    const tagFree = !tagged;
    if (!tagFree) {
      // `!template` values: decoded once the templates are rendered (or as written when templates are off).
      [vars, settings, env, providers, auth] = [vars, settings, env, providers, auth].map((value) => evaluateTemplateTags(value) as Mapping) as [Mapping, Mapping, Mapping, Mapping, Mapping];
      if (backend !== undefined) backend = evaluateTemplateTags(backend) as Mapping;
    }
    let hooks = this.stackCommandsByHooks.get(hookSections);
    if (!hooks) {
      hooks = finishStackCommands(hookSections, (commandName) => {
        const origin = lastLayerWith(layers, ['hooks', commandName]);
        return origin && { file: origin.manifest.file, yamlPath: [...origin.at, 'hooks', commandName], text: origin.manifest.text };
      }, name);
      this.stackCommandsByHooks.set(hookSections, hooks);
    }
    let envStrings = this.envByMapping.get(env);
    if (!envStrings) this.envByMapping.set(env, (envStrings = envValues(env)));
    const { sameStack, crossStack } = this.dependenciesOf(settings, dependencies, vars);
    const { files: fileDependencies, folders: folderDependencies } = pathDependenciesOf(settings, dependencies);

    // The merge shares nested values with the cached manifests; hand out copies.
    const instance: ComponentInstance = (this.copyValues ? cloneData : <T>(value: T) => value)({
      stack: this.name,
      name,
      component,
      componentDir: this.componentDir(component),
      type: metadata.type === 'abstract' ? 'abstract' : 'real',
      locked: metadata.locked === true,
      enabled: metadata.enabled !== false,
      inherits: this.inheritsOf(name),
      metadata,
      vars,
      env: envStrings,
      settings,
      // Optional keys are left out rather than deleted afterwards (a delete makes the object slow to read).
      ...(backendType === undefined ? {} : { backendType }),
      ...(backend === undefined ? {} : { backend }),
      ...(remoteStateBackendType === undefined ? {} : { remoteStateBackendType, remoteStateBackend: remoteStateBackend ?? {} }),
      providers,
      command,
      ...(Object.keys(locals).length > 0 ? { locals } : {}),
      ...(Object.keys(auth).length > 0 ? { auth: auth as ComponentAuth } : {}),
      hooks,
      dependsOn: sameStack,
      crossStackDependsOn: crossStack,
      fileDependencies,
      folderDependencies,
      listMergeStrategy: lists,
      workspace,
      varfileName: flatten(`${this.name}-${name}.terraform.tfvars.json`),
      sources: this.sourcesOf(componentLayers),
    });
    // An Atmos YAML function tfwrap does not evaluate: loading worked, using it does not.
    for (const section of tagFree ? [] : ['vars', 'env', 'settings', 'backend', 'providers', 'auth', 'remoteStateBackend'] as const) {
      const unsupported = unsupportedFunctionIn(instance[section], `component '${name}' of stack '${this.name}'`);
      if (unsupported) throw unsupported;
    }
    // Deferred functions (!terraform.output, !store, ...) are evaluated when the component is
    // described or run; here their arguments are checked, and a same-stack component must exist.
    for (const section of tagFree ? [] : ['vars', 'env', 'settings', 'backend', 'providers', 'auth', 'remoteStateBackend'] as const) {
      for (const tag of deferredTagsIn(instance[section])) {
        const call = parseDeferredCall(tag);
        if ((call.fn === 'terraform.output' || call.fn === 'terraform.state') && call.stack === undefined && !this.ownLayersByComponent.has(call.component)) {
          throw new TfwrapError('E_COMPONENT_UNKNOWN', `${tag.tag} ${tag.argument}: stack '${this.name}' has no component '${call.component}'`, {
            location: { file: tag.file, line: tag.line },
            hint: didYouMean(call.component, this.ownLayersByComponent.keys()) ?? 'name a component of this stack, or give the stack: <component> <stack> <output>',
          });
        }
      }
    }

    const resolved = { instance, layers };
    this.resolvedCache.set(name, resolved);
    return resolved;
  }

  /**
   * A component's command, later winning: components.terraform.command (the settings), the
   * `terraform:` sections, its bases' and its own `command:`, `overrides.command`. A root-level
   * `command:` is not one of them (Atmos reads only these).
   */
  private commandOf(layers: readonly Layer[], overrides: Mapping): string {
    if (typeof overrides.command === 'string') return overrides.command;
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i]!;
      const value = layer.sections.command;
      if (typeof value === 'string' && layer.at.length > 0) return value;
    }
    return this.stacksSettings.terraformCommand ?? defaultTerraformCommand;
  }

  /** What a component's sections merge from, and how: its layers, overrides and list strategy. */
  private mergePlan(name: string): MergePlan {
    const componentLayers = this.inheritedLayers(name, [name]);
    const layers = [...this.sharedLayers, ...componentLayers];
    const overrides = this.componentOverrides(name, this.overridesByFile);
    const lists = this.listStrategy(this.sharedSection('settings'), componentLayers, overrides);
    // The globals and terraform: layers are the same for every component: merged once per stack.
    // Overrides are gathered per stack: a section with some is this stack's alone.
    for (const value of Object.values(overrides)) if (value !== undefined) this.localValues.add(value);
    this.sharedLayersTagFree ??= this.sharedLayers.every((layer) => !layerHasTag(layer));
    const plan: MergePlan = {
      componentLayers, layers, overrides, lists,
      ...this.sectionMerges(name, componentLayers, overrides, lists, (section) => this.sharedSection(section, lists), this.sharedLayersTagFree, (values) => this.mergeLayers(values, lists)),
    };
    return this.withEnvLookups(name, plan) ?? plan;
  }

  /**
   * The plan's `merged`: each section merged from the shared layers' (`shared`), the component's
   * and its overrides; where a layer holds an Atmos function, with Atmos's deferred merge of the
   * values meeting it (merge.ts withDeferredMerges) across Atmos's four layers
   * (stack_processor_merge.go mergeComponentConfigurations): the globals, the bases, the
   * component's own sections, its overrides, each merged plainly first.
   */
  private sectionMerges(name: string, componentLayers: readonly Layer[], overrides: Mapping, lists: ListMergeStrategy, shared: (section: SectionName) => Mapping | undefined,
    sharedTagFree: boolean, merge: (values: ReadonlyArray<Mapping | undefined>) => Mapping): Pick<MergePlan, 'merged' | 'deferredMerges' | 'tagged'> {
    const tagged = !sharedTagFree || componentLayers.some(layerHasTag) || (overrides !== noOverrides && hasTag(overrides));
    let deferredMerges = false;
    const merged = (section: SectionName): Mapping => {
      const plain = merge([
        shared(section),
        ...componentLayers.map((layer) => layer.sections[section] as Mapping | undefined),
        overrides[section] as Mapping | undefined,
      ]);
      if (!tagged || !deferredMergeSections.has(section)) return plain;
      const ownCount = this.ownLayersByComponent.get(name)?.length ?? 0;
      const group = (from: number, to: number): Mapping | undefined => {
        const sections = componentLayers.slice(from, to).map((layer) => layer.sections[section] as Mapping | undefined);
        return sections.some((value) => value !== undefined) ? deepMerge(sections, lists) : undefined;
      };
      const result = withDeferredMerges(plain, [
        shared(section),
        group(0, componentLayers.length - ownCount),
        group(componentLayers.length - ownCount, componentLayers.length),
        overrides[section] as Mapping | undefined,
      ], lists, section, section === 'auth');
      if (result !== plain && section !== 'auth') deferredMerges = true;
      return result;
    };
    return { merged, deferredMerges: () => deferredMerges, tagged };
  }

  /**
   * Atmos's scope: a file's overrides apply to the components that file (and its imports) define,
   * after every other layer; a component defined in several files merges their overrides.
   */
  private componentOverrides(name: string, byFile: ReadonlyMap<string, ConfigSections>): Mapping {
    return byFile.size === 0 ? noOverrides
      : deepMerge((this.ownLayersByComponent.get(name) ?? []).map((layer) => byFile.get(layer.manifest.key ?? layer.manifest.file) as Mapping | undefined));
  }

  /** settings.list_merge_strategy: the last one set (globals, bases, component, overrides) wins. */
  private listStrategy(shared: Mapping | undefined, componentLayers: readonly Layer[], overrides: Mapping): ListMergeStrategy {
    return [
      shared,
      ...componentLayers.map((layer) => layer.sections.settings as Mapping | undefined),
      overrides.settings as Mapping | undefined,
    ].reduce<ListMergeStrategy>((strategy, settings) => {
      const value = settings?.list_merge_strategy;
      return value === 'replace' || value === 'append' || value === 'merge' ? value : strategy;
    }, this.stacksSettings.listMergeStrategy);
  }

  /**
   * The plan with each `!env` of the component's sections as Atmos evaluates it after the merge
   * (pkg/utils/yaml_func_env.go ProcessTagEnv, given the component's info by
   * internal/exec/yaml_func_utils.go): a variable the component's merged `env:` sets is that value
   * as text, before the environment and the default (which tfwrap read with the file). That `env:`
   * is the one merged before functions and templates are evaluated (utils.go ProcessComponentConfig,
   * a null unsetting), so a function in it is its own text: `env: { A: !env A }` makes A "!env A".
   * Undefined when no `!env` reads a variable the component's `env:` sets to another value.
   */
  private withEnvLookups(name: string, plan: MergePlan): MergePlan | undefined {
    // Most stacks read no variable with !env: nothing to look up for any of their components.
    this.readsEnv ??= this.manifests.some((manifest) => manifest.functionReads?.some((read) => read.name !== undefined));
    if (!this.readsEnv) return undefined;
    const layerReads = plan.layers.map(placedReads);
    const overrideReads = this.overrideReads();
    const isEnv = (placed: PlacedRead) => placed.read.name !== undefined;
    if (!layerReads.some((reads) => reads.some(isEnv)) && !overrideReads.some((reads) => reads.some(isEnv))) return undefined;
    const inEnv = (placed: PlacedRead) => placed.section === 'env';
    const lookupEnv = layerReads.some((reads) => reads.some(inEnv)) || overrideReads.some((reads) => reads.some(inEnv))
      ? this.patchedPlan(name, plan, layerReads, (placed) => (inEnv(placed) ? placed.read.text : undefined))?.merged('env') ?? plan.merged('env')
      : plan.merged('env');
    const lookup = (placed: PlacedRead): string | undefined => {
      if (placed.read.name === undefined || !Object.hasOwn(lookupEnv, placed.read.name)) return undefined;
      const value = lookupEnv[placed.read.name];
      if (value === null || value === undefined) return undefined;
      return value instanceof AtmosTag ? `${value.tag} ${value.argument}`.trim() : String(value as string | number | boolean);
    };
    // Metadata decides the directory, bases and workspace before Atmos evaluates any function: not
    // reproducible, so an error rather than another value than Atmos's (names only: values may be secrets).
    const metadata = this.metadataOf(name);
    for (const reads of layerReads) {
      for (const placed of reads) {
        if (placed.section !== 'metadata') continue;
        const atmos = lookup(placed);
        if (atmos === undefined || atmos === placed.read.value || valueAt(metadata, placed.keys) !== placed.read.value) continue;
        const variable = placed.read.name!;
        throw new TfwrapError('E_UNSUPPORTED', `!env ${variable} in metadata: the component's env: sets ${variable}, which Atmos's !env reads first; tfwrap reads metadata before the component's env:`, {
          location: { file: placed.read.file, line: placed.read.line },
          hint: `move the value out of metadata:, or give ${variable} the same value in the environment and in env:`,
        });
      }
    }
    return this.patchedPlan(name, plan, layerReads, (placed) => (placed.section === 'metadata' ? undefined : lookup(placed)));
  }

  /**
   * The plan again from layers and overrides where `replacement` gives a read's place another value;
   * undefined when it gives none. A read whose place holds another value by now (a template of the
   * file rendered there) is left alone.
   */
  private patchedPlan(name: string, plan: MergePlan, layerReads: readonly PlacedRead[][], replacement: (placed: PlacedRead) => unknown): MergePlan | undefined {
    // The sections given another value, and what the shared layers were given (the same for every
    // component whose env: gives the same values: their merge is kept per stack).
    const touched = new Set<string>();
    const sharedReplaced: unknown[] = [];
    const layers = plan.layers.map((layer, index) => {
      let sections = layer.sections;
      for (const placed of layerReads[index]!) {
        if (placed.section === 'metadata') continue;
        const value = replacement(placed);
        if (value === undefined || value === placed.read.value) continue;
        const next = replaceAt((sections as Mapping)[placed.section], placed.keys, placed.read.value, value);
        if (next === notThere) continue;
        if (sections === layer.sections) sections = { ...sections };
        (sections as Mapping)[placed.section] = next;
        touched.add(placed.section);
        if (index < this.sharedLayers.length) sharedReplaced.push(index, placed.section, placed.keys, value);
      }
      return sections === layer.sections ? layer : { ...layer, sections };
    });
    let overrides = plan.overrides;
    const overrideReads = this.overrideReads();
    if (this.overridesWith && overrideReads.some((reads) => reads.some((placed) => replacement(placed) !== undefined))) {
      const byFile = this.overridesWith((manifest) => {
        const index = this.manifests.indexOf(manifest);
        let document = manifest.document;
        for (const placed of index < 0 ? [] : overrideReads[index]!) {
          const value = replacement(placed);
          if (value === undefined || value === placed.read.value) continue;
          const next = replaceAt(document, placed.read.path, placed.read.value, value);
          if (next !== notThere) document = next;
        }
        return document === manifest.document ? manifest.overrides : overridesOf(document);
      });
      overrides = this.componentOverrides(name, byFile);
      if (!isDeepStrictEqual(overrides, plan.overrides)) for (const section of sectionNames) touched.add(section);
    }
    if (touched.size === 0) return undefined;
    const sharedLayers = layers.slice(0, this.sharedLayers.length);
    const componentLayers = layers.slice(this.sharedLayers.length);
    const sharedKey = JSON.stringify(sharedReplaced);
    const shared = (section: SectionName, lists: ListMergeStrategy): Mapping | undefined => {
      if (!touched.has(section)) return this.sharedSection(section, lists);
      const key = `${lists}\0${section}\0${sharedKey}`;
      if (!this.patchedShared.has(key)) {
        const values = sharedLayers.map((layer) => layer.sections[section] as Mapping | undefined);
        this.patchedShared.set(key, values.some((value) => value !== undefined) ? deepMerge(values, lists) : undefined);
      }
      return this.patchedShared.get(key);
    };
    const lists = this.listStrategy(shared('settings', this.stacksSettings.listMergeStrategy), componentLayers, overrides);
    const sharedTagFree = sharedLayers.every((layer) => !layerHasTag(layer));
    const merges = this.sectionMerges(name, componentLayers, overrides, lists, (section) => shared(section, lists), sharedTagFree, (values) => deepMerge(values, lists));
    // A section no read changed merges as before (and shares the plain plan's merges), unless the
    // list strategy changed with it.
    const merged = lists === plan.lists ? (section: SectionName) => (touched.has(section) ? merges.merged(section) : plan.merged(section)) : merges.merged;
    return {
      componentLayers, layers, overrides, lists, merged,
      deferredMerges: () => merges.deferredMerges() || plan.deferredMerges(), tagged: merges.tagged || plan.tagged,
    };
  }

  /** Shared sections merged again with `!env` values from a component's env: (patchedPlan), by section and values. */
  private readonly patchedShared = new Map<string, Mapping | undefined>();

  private readsEnv: boolean | undefined;
  private readsFunctions: boolean | undefined;

  /** Per manifest, the functions read in its `overrides:` and `terraform.overrides:` sections. */
  private overrideReadsCache: PlacedRead[][] | undefined;
  private overrideReads(): PlacedRead[][] {
    this.overrideReadsCache ??= this.overridesByFile.size === 0 ? [] : this.manifests.map((manifest) => (manifest.functionReads ?? []).flatMap((read) => {
      const at = read.path[0] === 'overrides' ? 1 : read.path[0] === 'terraform' && read.path[1] === 'overrides' ? 2 : 0;
      const section = read.path[at];
      return at > 0 && section !== undefined && (sectionNames as readonly string[]).includes(section) ? [{ read, section, keys: read.path.slice(at + 1) }] : [];
    }));
    return this.overrideReadsCache;
  }

  /**
   * What a component is merged from, in merge order (the shared layers' sections, then its
   * inherited and own ones), for telling whether it changed without resolving it (describe
   * affected compares these by identity). Undefined when its values depend on more than that: Go
   * templates on, an Atmos function in a layer, or `overrides:` for it. `varsDecideMore`: its vars
   * also decide its workspace (`terraform_workspace_pattern` or `_template`) or where its
   * dependencies are.
   */
  mergeInputs(name: string): { layers: ComponentSection[]; varsDecideMore: boolean } | undefined {
    if (this.stacksSettings.templates?.enabled || !this.ownLayersByComponent.has(name)) return undefined;
    let componentLayers: Layer[];
    try {
      componentLayers = this.inheritedLayers(name, [name]);
    } catch {
      return undefined; // resolving it reports the problem
    }
    this.sharedLayersTagFree ??= this.sharedLayers.every((layer) => !layerHasTag(layer));
    if (!this.sharedLayersTagFree || componentLayers.some(layerHasTag)) return undefined;
    if (this.overridesByFile.size > 0 && (this.ownLayersByComponent.get(name) ?? []).some((layer) => this.overridesByFile.get(layer.manifest.key ?? layer.manifest.file) !== undefined)) return undefined;
    const layers = [...this.sharedLayers, ...componentLayers];
    const varsDecideMore = this.inheritedMetadataOf(name, 'terraform_workspace_pattern') !== undefined
      || this.inheritedMetadataOf(name, 'terraform_workspace_template') !== undefined || layers.some((layer) => dependsOnContext(layer.sections));
    return { layers: layers.map((layer) => layer.sections), varsDecideMore };
  }

  /** The component's Terraform directory, as resolving it gives. */
  componentDirOf(name: string): string {
    return this.componentDir(this.inheritedMetadataOf(name, 'component') ?? name);
  }

  /** One merged section of a component, as resolving it merges it (before templates: see mergeInputs). */
  mergedSection(name: string, section: SectionName): Mapping {
    return this.mergePlan(name).merged(section);
  }

  /**
   * The component section after Atmos's templates-all-atmos-sections pass, or undefined when it
   * holds no template. `atmos.Component(component, stack)` gives another component's sections.
   */
  private renderComponentSection(name: string, section: Mapping, layers: Layer[], templates: TemplatesSettings, data?: Mapping): Mapping | undefined {
    const raised: { error?: Error } = {};
    const what = `component '${name}' of stack '${this.name}'`;
    const componentOf = this.componentOf;
    const atmos = {
      Component: (component: unknown, stack: unknown): Mapping => {
        if (typeof component !== 'string' || typeof stack !== 'string') throw new Error('atmos.Component takes a component name and a stack name');
        const instance = stack === this.name || componentOf === undefined ? this.resolve(component).instance : componentOf(stack, component);
        return atmosSectionOf(instance, raised, what);
      },
    };
    return renderSection(section, {
      settings: templates, raised, what, atmos, ...(data ? { data } : {}),
      locate: (text) => {
        for (let i = layers.length - 1; i >= 0; i--) {
          const manifest = layers[i]!.manifest;
          const index = manifest.text.indexOf(text);
          if (index >= 0) return { file: manifest.file, line: manifest.text.slice(0, index).split('\n').length };
        }
        return undefined;
      },
    });
  }

  /**
   * `spacelift_stack` and `atlantis_project`, which Atmos adds to the component section before
   * rendering it (internal/exec/utils.go computeSpaceliftAndAtlantisNames): the Spacelift stack when
   * `settings.spacelift.workspace_enabled` (its `stack_name_pattern`, else `stack_name`, else
   * `<stack name prefix>-<component>`), the Atlantis project when `settings.atlantis` names a
   * project template with a name (tokens filled from the vars).
   */
  private integrationNames(name: string, section: Mapping): Mapping {
    const names: Mapping = {};
    const settings = section.settings as Mapping;
    const vars = section.vars as Mapping;
    const component = name.replace(/\//g, '-');
    const spacelift = isPlainMapping(settings.spacelift) ? settings.spacelift as Mapping : {};
    if (spacelift.workspace_enabled === true) {
      const { nameTemplate, namePattern, templates } = this.stacksSettings;
      const prefix = nameTemplate !== undefined ? nameFromTemplate(nameTemplate, section, templates)
        : namePattern !== undefined ? nameFromPattern(namePattern, vars) : undefined;
      if (!prefix) {
        throw this.problemAt(this.inheritedLayers(name, [name]), ['settings', 'spacelift', 'workspace_enabled'], [], 'E_COMPONENT_INVALID',
          `component '${name}' of stack '${this.name}': settings.spacelift.workspace_enabled needs a Spacelift stack name, from stacks.name_template or stacks.name_pattern${nameTemplate === undefined && namePattern === undefined ? ', and neither is set' : ', which gives none for its vars'}`,
          'set stacks.name_pattern (or name_template) in atmos.yaml, as Atmos requires here');
      }
      names.spacelift_stack = typeof spacelift.stack_name_pattern === 'string' ? fillContextTokens(spacelift.stack_name_pattern, vars, component)
        : typeof spacelift.stack_name === 'string' ? spacelift.stack_name : `${prefix}-${component}`;
      names.spacelift_stack = (names.spacelift_stack as string).replace(/\//g, '-');
    }
    const atlantis = isPlainMapping(settings.atlantis) ? settings.atlantis as Mapping : {};
    const template = isPlainMapping(atlantis.project_template) ? atlantis.project_template as Mapping
      : typeof atlantis.project_template_name === 'string' ? this.stacksSettings.atlantisProjectTemplates?.[atlantis.project_template_name] as Mapping | undefined : undefined;
    if (template && typeof template.name === 'string' && template.name !== '') names.atlantis_project = fillContextTokens(template.name, vars, component);
    return names;
  }

  /** Where a component's key is written (the last layer writing it), for template errors. */
  private whereWritten(name: string, key: string[]): { file?: string } {
    const origin = lastLayerWith(this.inheritedLayers(name, [name]), key);
    return { file: origin?.manifest.file ?? this.file };
  }

  /** The stack-wide vars, settings and env: what `stacks.name_template` reads. */
  nameContext(): { vars: Mapping; settings: Mapping; env: Mapping } {
    return { vars: this.sharedSection('vars') ?? {}, settings: this.sharedSection('settings') ?? {}, env: this.sharedSection('env') ?? {} };
  }

  private sharedSection(section: SectionName, lists: ListMergeStrategy = this.stacksSettings.listMergeStrategy): Mapping | undefined {
    let byStrategy = this.sharedSectionsCache.get(lists);
    if (!byStrategy) this.sharedSectionsCache.set(lists, (byStrategy = new Map()));
    if (!byStrategy.has(section)) {
      const layers = this.sharedLayers.map((layer) => layer.sections[section] as Mapping | undefined);
      byStrategy.set(section, layers.some((layer) => layer !== undefined) ? this.mergeLayers(layers, lists) : undefined);
    }
    return byStrategy.get(section);
  }

  /** The stack-wide vars (globals, then `terraform:`): what `stacks.name_pattern` reads. */
  contextVars(): Mapping {
    return this.sharedSection('vars') ?? {};
  }

  /**
   * Same-stack and cross-stack dependencies. Atmos's map form of `settings.depends_on` names a
   * component and optionally `stack` or `namespace`/`tenant`/`environment`/`stage`; an entry whose
   * context matches this component's vars (or names this stack) is in this stack.
   */
  private dependenciesOf(settings: Mapping, dependencies: Mapping, vars: Mapping): { sameStack: string[]; crossStack: ComponentInstance['crossStackDependsOn'] } {
    const sameStack: string[] = [];
    const crossStack: ComponentInstance['crossStackDependsOn'] = [];
    const add = (entry: Mapping, component: unknown) => {
      if (typeof component !== 'string' || component === '') return;
      const contextKeys = ['namespace', 'tenant', 'environment', 'stage'].filter((key) => typeof entry[key] === 'string' && entry[key] !== '');
      const elsewhere = (typeof entry.stack === 'string' && entry.stack !== '' && entry.stack !== this.name)
        || contextKeys.some((key) => entry[key] !== vars[key]);
      if (elsewhere) crossStack.push({ ...entry, component });
      else if (!sameStack.includes(component)) sameStack.push(component);
    };
    const dependsOn = settings.depends_on;
    if (Array.isArray(dependsOn)) for (const name of dependsOn) add({}, name);
    else if (dependsOn && typeof dependsOn === 'object') {
      for (const entry of Object.values(dependsOn as Mapping)) if (entry && typeof entry === 'object') add(entry as Mapping, (entry as Mapping).component);
    }
    const listed = dependencies.components;
    if (Array.isArray(listed)) {
      for (const entry of listed) {
        if (entry && typeof entry === 'object' && !isPathKind(entry as Mapping)) add(entry as Mapping, (entry as Mapping).name ?? (entry as Mapping).component);
      }
    }
    return { sameStack, crossStack };
  }

  /** What the component is built on, in merge order: Atmos's legacy `component:` first, then `metadata.inherits`. */
  private inheritsOf(name: string): string[] {
    const legacy = this.legacyBaseOf(name);
    const inherits = this.ownMetadata(name).inherits ?? [];
    return legacy !== undefined && !inherits.includes(legacy) ? [legacy, ...inherits] : [...inherits];
  }

  /**
   * Atmos's legacy `component: <base>` naming no component of the stack: ignored when
   * `<components base>/<base>` is a directory, else an error (stack_processor_utils.go
   * ProcessBaseComponentConfig with checkBaseComponentExists).
   */
  private checkLegacyBase(name: string): void {
    const base = this.writtenLegacyBase(name);
    if (base === undefined || this.ownLayersByComponent.has(base)) return;
    if (statSync(this.componentDir(base), { throwIfNoEntry: false })?.isDirectory()) return;
    throw this.problemAt(this.ownLayersByComponent.get(name) ?? [], ['component'], [], 'E_COMPONENT_INVALID',
      `component '${name}' inherits from '${base}' (component: ${base}), which stack '${this.name}' does not define and which is no directory under ${this.componentsBasePath}`,
      didYouMean(base, this.ownLayersByComponent.keys()) ?? 'define it in the stack or in a catalog it imports, or use metadata.component to name a Terraform directory');
  }

  /** `component: <base>` when it names another component of the stack (see checkLegacyBase for the rest). */
  private legacyBaseOf(name: string): string | undefined {
    const base = this.writtenLegacyBase(name);
    return base !== undefined && this.ownLayersByComponent.has(base) ? base : undefined;
  }

  /** The legacy `component:` a component's own files write, when it names another one. */
  private writtenLegacyBase(name: string): string | undefined {
    const base = lastDefined(this.ownLayersByComponent.get(name) ?? [], 'component') as string | undefined;
    return base !== name ? base : undefined;
  }

  /**
   * The component's layers without the globals: each inherited component's (recursively), then its
   * own. `chain` is the inheritance path to here, for cycle detection.
   */
  private inheritedLayers(name: string, chain: string[]): Layer[] {
    const cached = this.inheritedLayersCache.get(name);
    if (cached) return cached;
    if (chain.length === 1) this.checkInheritanceDepth(name);
    const own = this.ownLayersByComponent.get(name) ?? [];
    const inherits = this.inheritsOf(name);
    const legacy = this.legacyBaseOf(name) !== undefined && !(this.ownMetadata(name).inherits ?? []).includes(this.legacyBaseOf(name)!);
    const layers: Layer[] = [];
    inherits.forEach((base, position) => {
      const index = legacy ? position - 1 : position;
      const problem = (message: string, hint?: string) => index < 0
        ? this.problemAt(own, ['component'], [], 'E_COMPONENT_INVALID', message, hint)
        : this.problemAt(own, ['metadata', 'inherits'], [index], 'E_COMPONENT_INVALID', message, hint);
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

  /**
   * The component's metadata as Atmos merges it: with `stacks.inherit.metadata` (on unless set to
   * false, as in Atmos since its 2025-12-06 edition), its bases' (each after its own bases', in
   * inherits order), all but `inherits` and `type`, under its own; else its own alone.
   */
  private metadataOf(name: string): ComponentMetadata {
    let metadata = this.metadataCache.get(name);
    if (!metadata) {
      this.checkInheritanceDepth(name);
      const fromBases = this.stacksSettings.inheritMetadata === false ? undefined : this.metadataFromBases(name);
      this.metadataCache.set(name, (metadata = deepMerge([this.stackMetadata(), fromBases, this.ownMetadata(name)]) as ComponentMetadata));
    }
    return metadata;
  }

  /**
   * Atmos's stack-wide `metadata:` (manifest roots, merged in import order): the lowest layer of
   * every component's metadata (stack_processor_merge.go: global, then the bases, then its own).
   */
  private stackMetadata(): Mapping {
    this.stackMetadataCache ??= deepMerge(this.sharedLayers.map((layer) => layer.sections.metadata));
    return this.stackMetadataCache;
  }

  private stackMetadataCache: Mapping | undefined;

  /**
   * Inheritance (metadata.inherits, legacy component:) is followed recursively here; a chain longer
   * than MAX_INHERITANCE_DEPTH is one error at the component rather than an overflowing call stack
   * (and merging a chain costs its length squared). Measured without recursion, cycles left to
   * inheritedLayers to report.
   */
  private checkInheritanceDepth(name: string): void {
    const depths = this.inheritanceDepths;
    const pending = depths.has(name) ? [] : [name];
    const expanded = new Set<string>();
    while (pending.length > 0) {
      const current = pending[pending.length - 1]!;
      if (depths.has(current)) {
        pending.pop();
        continue;
      }
      const bases = this.inheritsOf(current).filter((base) => this.ownLayersByComponent.has(base));
      const unknown = bases.filter((base) => !depths.has(base) && !expanded.has(base));
      if (unknown.length > 0 && !expanded.has(current)) {
        expanded.add(current);
        pending.push(...unknown);
        continue;
      }
      let deepest = 0;
      for (const base of bases) deepest = Math.max(deepest, depths.get(base) ?? 0);
      depths.set(current, deepest + 1);
      pending.pop();
    }
    // Its own depth is 1: the bases it follows are the rest.
    const bases = depths.get(name)! - 1;
    if (bases > MAX_INHERITANCE_DEPTH) {
      throw this.problemAt(this.ownLayersByComponent.get(name) ?? [], ['metadata', 'inherits'], [], 'E_COMPONENT_INVALID',
        `component '${name}' of stack '${this.name}' inherits through a chain of ${bases} components, more than the ${MAX_INHERITANCE_DEPTH} tfwrap follows`,
        'inherit from fewer, broader base components');
    }
  }

  private readonly inheritanceDepths = new Map<string, number>();

  /** What a component's bases give its metadata (see metadataOf). Cycles are caught before, by inheritedLayers. */
  private metadataFromBases(name: string): Mapping {
    const layers: Mapping[] = [];
    for (const base of this.inheritsOf(name)) {
      const { inherits: _inherits, type: _type, ...inherited } = this.ownMetadata(base);
      layers.push(this.metadataFromBases(base), inherited);
    }
    return deepMerge(layers);
  }

  /** The component's own metadata, merged across the files that define it. */
  private ownMetadata(name: string): ComponentMetadata {
    let metadata = this.ownMetadataCache.get(name);
    if (!metadata) {
      const layers = this.ownLayersByComponent.get(name) ?? [];
      this.ownMetadataCache.set(name, (metadata = deepMerge(layers.map((layer) => layer.sections.metadata)) as ComponentMetadata));
    }
    return metadata;
  }

  /**
   * A metadata value that decides the component's directory or state (`component`, `name`,
   * `terraform_workspace`, ...): the component's own, else the last inherited component's that has
   * one (so `vpc-secondary` inheriting `vpc-defaults` deploys the `vpc` directory too).
   */
  private inheritedMetadataOf(name: string, key: string): string | undefined {
    this.checkInheritanceDepth(name);
    const value = this.metadataFromChain(name, key);
    if (value !== undefined) return value;
    // Of these keys only terraform_workspace_pattern may be stack-wide (manifest-schema.ts).
    const stackWide = this.stackMetadata()[key];
    return typeof stackWide === 'string' ? stackWide : undefined;
  }

  /** A metadata value from the component or its bases (see inheritedMetadataOf). */
  private metadataFromChain(name: string, key: string): string | undefined {
    let byName = this.inheritedMetadataCache.get(key);
    if (!byName) this.inheritedMetadataCache.set(key, (byName = new Map()));
    if (byName.has(name)) return byName.get(name);
    const value = this.inheritedMetadataOfOnce(name, key);
    byName.set(name, value);
    return value;
  }

  private inheritedMetadataOfOnce(name: string, key: string): string | undefined {
    const metadata = this.ownMetadata(name);
    const own = metadata[key];
    if (typeof own === 'string') return own;
    if (key === 'component') {
      // Legacy top-level `component:` (before metadata.component): the base's directory, when the
      // stack defines that component; otherwise Atmos ignores it (checkLegacyBase).
      const legacy = this.legacyBaseOf(name);
      if (legacy !== undefined) return this.metadataFromChain(legacy, key) ?? legacy;
    }
    // Without metadata inheritance Atmos still takes the directory from the bases, nothing else.
    if (key !== 'component' && this.stacksSettings.inheritMetadata === false) return undefined;
    for (const base of [...this.inheritsOf(name)].reverse()) {
      const inherited = this.metadataFromChain(base, key);
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

/** The component's `settings.templates.settings.env` over atmos.yaml's (template_utils.go ProcessTmplWithDatasources). */
function withComponentTemplateEnv(templates: TemplatesSettings, settings: Mapping): TemplatesSettings {
  const own = ((settings.templates as Mapping | undefined)?.settings as Mapping | undefined)?.env;
  if (!isPlainMapping(own) || Object.keys(own).length === 0) return templates;
  const env: Record<string, string> = { ...templates.env };
  for (const [name, value] of Object.entries(own)) if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') env[name] = String(value);
  return { ...templates, env };
}

/**
 * atmos.yaml's `integrations.github` under the component's `settings.integrations.github`
 * (stack_processor_utils.go processSettingsIntegrationsGithub), once per merged settings mapping:
 * components sharing their settings share the result.
 */
const settingsWithGithub = new WeakMap<Mapping, WeakMap<Mapping, Mapping>>();
function withGithubIntegration(settings: Mapping, github: Mapping | undefined): Mapping {
  if (github === undefined) return settings;
  let byGithub = settingsWithGithub.get(settings);
  if (!byGithub) settingsWithGithub.set(settings, (byGithub = new WeakMap()));
  let result = byGithub.get(github);
  if (!result) {
    const integrations = isPlainMapping(settings.integrations) ? settings.integrations as Mapping : {};
    const own = isPlainMapping(integrations.github) ? integrations.github as Mapping : undefined;
    result = { ...settings, integrations: { ...integrations, github: deepMerge([github, own]) } };
    byGithub.set(github, result);
  }
  return result;
}

/**
 * The backend with its key prefix, by merged backend mapping, type and prefix: components built from
 * one catalog merge to the same backend mapping (merge.ts MergeMemo), in every stack and at both
 * revisions `describe affected` reads, and so get the same result, which it compares by identity.
 * Merged mappings are never changed, so the result depends on these alone; not for azurerm, whose
 * key also depends on where it was written.
 */
const backendsWithPrefix = new WeakMap<Mapping, Map<string, Mapping>>();
function backendWithPrefix(input: Parameters<typeof backendWithKeyPrefix>[0]): Mapping {
  if (input.backendType === 'azurerm') return backendWithKeyPrefix(input);
  const prefix = typeof input.metadata.name === 'string' && input.metadata.name !== '' ? input.metadata.name : input.component;
  let byKey = backendsWithPrefix.get(input.backend);
  if (!byKey) backendsWithPrefix.set(input.backend, (byKey = new Map()));
  const key = `${input.backendType}\0${prefix}`;
  let backend = byKey.get(key);
  if (!backend) byKey.set(key, (backend = backendWithKeyPrefix(input)));
  return backend;
}

/** `env:` values as strings; a deferred function stays a marker until it is evaluated. */
function envValues(env: Mapping): Record<string, string> {
  const deferred = Object.entries(env).filter(([, value]) => isDeferred(value) || value instanceof DeferredMerge);
  const result = stringValues(env);
  for (const [key, value] of deferred) (result as Record<string, unknown>)[key] = value;
  return result;
}

/**
 * The sections Atmos merges with its deferred merge (stack_processor_merge.go) that tfwrap
 * evaluates functions in; auth is merged again by Atmos before its functions are evaluated
 * (processAuthConfig), so there the merge is made at once, functions as values.
 */
const deferredMergeSections: ReadonlySet<SectionName> = new Set(['vars', 'settings', 'env', 'providers', 'auth']);

/** Base components followed from one component, at most: far beyond real repositories (a few levels), and within the call stack. */
const MAX_INHERITANCE_DEPTH = 1000;

/** A stack without `overrides:` (the usual case): nothing to merge per component. */
const noOverrides: Mapping = Object.freeze({}) as Mapping;

/** Components being resolved (a stack name and a component), to catch atmos.Component cycles. */
const resolving = new Set<string>();

function isPlainMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof AtmosTag) && !(value instanceof Date);
}

/**
 * What `atmos.Component` returns: the component's sections as Atmos names them. Its `outputs`
 * (Terraform outputs, which Atmos reads from the state) are not available: reading them is an
 * E_UNSUPPORTED error naming the template's component.
 */
function atmosSectionOf(instance: ComponentInstance, raised: { error?: Error }, what: string): Mapping {
  // A function left for later (!terraform.output, !store, ...): Atmos evaluates it for
  // atmos.Component; tfwrap does not inside templates, so reading it is an error, not its marker.
  const unreadable = (tag: AtmosTag) => {
    const fail = (): never => {
      raised.error = new TfwrapError('E_UNSUPPORTED', `${what} reads ${tag.tag} ${tag.argument} of component '${instance.name}' through atmos.Component: tfwrap does not evaluate YAML functions inside templates`, {
        location: { file: tag.file, line: tag.line },
        hint: `read the value with ${tag.tag} in ${what} itself, or pass it in vars`,
      });
      throw raised.error;
    };
    return new Proxy({}, { get: fail, has: fail, ownKeys: fail, getOwnPropertyDescriptor: fail });
  };
  const readable = (value: unknown): unknown => {
    if (isDeferred(value)) return unreadable(value);
    if (value instanceof DeferredMerge) {
      const [tag] = deferredTagsIn(value);
      return tag ? unreadable(tag) : value.resolve();
    }
    if (Array.isArray(value)) return value.map(readable);
    if (!isPlainMapping(value)) return value;
    const copy: Mapping = {};
    for (const key of Object.keys(value)) setKey(copy, key, readable(value[key]));
    return copy;
  };
  const values = <T>(value: T): T => (hasTag(value) ? readable(value) as T : value);
  const section: Mapping = {
    atmos_component: instance.name, atmos_stack: instance.stack, stack: instance.stack, component: instance.component,
    vars: values(instance.vars), settings: values(instance.settings), env: values(instance.env), backend_type: instance.backendType, backend: values(instance.backend ?? {}),
    remote_state_backend_type: instance.remoteStateBackendType, remote_state_backend: values(instance.remoteStateBackend ?? {}),
    providers: values(instance.providers), workspace: instance.workspace, inheritance: instance.inherits,
  };
  Object.defineProperty(section, 'outputs', {
    enumerable: false,
    get() {
      raised.error = new TfwrapError('E_UNSUPPORTED', `atmos.Component(...).outputs (in ${what}) is not supported by tfwrap: it does not read Terraform outputs in templates`, {
        hint: 'pass the value in vars, or read it with a terraform_remote_state data source in the component',
      });
      throw raised.error;
    },
  });
  return section;
}

/** Whether a layer's sections hold an Atmos tag, by sections object: a catalog's layers are in every stack. */
const layerTags = new WeakMap<object, boolean>();
function layerHasTag(layer: Layer): boolean {
  let found = layerTags.get(layer.sections);
  if (found === undefined) layerTags.set(layer.sections, (found = hasTag(layer.sections)));
  return found;
}

/** A `dependencies.components` entry of Atmos's inline path form: `{ kind: file | folder, path: ... }`. */
function isPathKind(entry: Mapping): boolean {
  return entry.kind === 'file' || entry.kind === 'folder';
}

/**
 * The files and folders a component depends on, for `describe affected` (Atmos's
 * getFileFolderDependencies, internal/exec/describe_affected_components.go): those of the
 * `dependencies` section (`files:`, `folders:`, and `components:` entries of kind file or folder)
 * when it names any, else the `file:` and `folder:` of the map form of `settings.depends_on`.
 */
export function pathDependenciesOf(settings: Mapping | undefined, dependencies: Mapping | undefined): { files: string[]; folders: string[] } {
  const files: string[] = [];
  const folders: string[] = [];
  const add = (list: string[], value: unknown) => {
    if (typeof value === 'string' && value !== '' && !list.includes(value)) list.push(value);
  };
  // Atmos puts the inline entries first, then the sibling lists.
  const listed = dependencies?.components;
  if (Array.isArray(listed)) {
    for (const entry of listed) {
      if (entry && typeof entry === 'object' && isPathKind(entry as Mapping)) add((entry as Mapping).kind === 'file' ? files : folders, (entry as Mapping).path);
    }
  }
  if (Array.isArray(dependencies?.files)) for (const file of dependencies.files) add(files, file);
  if (Array.isArray(dependencies?.folders)) for (const folder of dependencies.folders) add(folders, folder);
  if (files.length > 0 || folders.length > 0) return { files, folders };
  const dependsOn = settings?.depends_on;
  if (dependsOn && typeof dependsOn === 'object' && !Array.isArray(dependsOn)) {
    for (const entry of Object.values(dependsOn as Mapping)) {
      if (!entry || typeof entry !== 'object') continue;
      add(files, (entry as Mapping).file);
      add(folders, (entry as Mapping).folder);
    }
  }
  return { files, folders };
}

/** Whether a layer's dependencies name a place by context (`stage:` etc.), which the component's vars decide. */
function dependsOnContext(sections: ComponentSection): boolean {
  const entries = (value: unknown): unknown[] => (Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.values(value) : []);
  const settings = sections.settings as Mapping | undefined;
  const dependencies = sections.dependencies as Mapping | undefined;
  return [...entries(settings?.depends_on), ...entries(dependencies?.components)].some((entry) => entry !== null && typeof entry === 'object'
    && ['namespace', 'tenant', 'environment', 'stage'].some((key) => (entry as Mapping)[key] !== undefined));
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

/**
 * One stack given by several manifests (the same `name:`, or the same name from the name pattern):
 * the union of their components, as Atmos's findComponentInStacks sees it. A component defined by
 * more than one of them must come out the same from each (the first, by file path, is used);
 * otherwise it is an E_STACK_INVALID error naming both files.
 */
export class CombinedStack implements Stack {
  readonly file: string;
  readonly files: readonly string[];

  constructor(
    readonly name: string,
    private readonly parts: readonly LoadedStack[],
    private readonly display: (file: string) => string,
  ) {
    this.file = parts[0]!.file;
    this.files = [...new Set(parts.flatMap((part) => part.files))];
  }

  componentNames(): string[] {
    return [...new Set(this.parts.flatMap((part) => part.componentNames()))].sort();
  }

  isAbstract(name: string): boolean {
    return this.parts.find((part) => part.componentNames().includes(name))?.isAbstract(name) ?? false;
  }

  component(name: string): Promise<ComponentInstance> {
    return withLocatedErrors(() => this.resolve(name));
  }

  components(): Promise<ComponentInstance[]> {
    return withLocatedErrors(() => this.componentNames().map((name) => this.resolve(name)));
  }

  dependencyLevels(names?: readonly string[]): Promise<ComponentInstance[][]> {
    return withLocatedErrors(() => {
      for (const name of names ?? []) {
        if (this.resolve(name).type === 'abstract') {
          throw new ManifestProblem('E_COMPONENT_INVALID', `component '${name}' is abstract and cannot be run`, undefined, [],
            'run a real component that inherits from it');
        }
      }
      const real = this.componentNames().map((name) => this.resolve(name)).filter((instance) => instance.type === 'real');
      const realNames = new Set(real.map((instance) => instance.name));
      for (const instance of real) {
        for (const dependency of instance.dependsOn) {
          if (!realNames.has(dependency)) {
            throw new ManifestProblem('E_COMPONENT_INVALID', `component '${instance.name}' depends on '${dependency}', which stack '${this.name}' does not define as a real component`,
              instance.sources[instance.sources.length - 1], ['components', 'terraform', instance.name, 'settings', 'depends_on'], didYouMean(dependency, realNames));
          }
        }
      }
      const cycle = findDependencyCycle(real);
      if (cycle) {
        throw new ManifestProblem('E_COMPONENT_INVALID', `dependency cycle in stack '${this.name}': ${cycle.join(' -> ')}`, undefined, [],
          'remove one of these settings.depends_on entries');
      }
      return levelsOf(real, names);
    });
  }

  /** A component, resolved; throws ManifestProblem. */
  resolveSync(name: string): ComponentInstance {
    return this.resolve(name);
  }

  private resolve(name: string): ComponentInstance {
    const defining = this.parts.filter((part) => part.componentNames().includes(name));
    if (defining.length === 0) {
      throw new ManifestProblem('E_COMPONENT_UNKNOWN', `stack '${this.name}' has no component '${name}'`, this.file, ['components', 'terraform'],
        didYouMean(name, this.componentNames()));
    }
    const instances = defining.map((part) => part.resolveSync(name));
    const first = instances[0]!;
    const comparable = (instance: ComponentInstance) => JSON.stringify({ ...instance, sources: undefined });
    const differing = instances.findIndex((instance) => comparable(instance) !== comparable(first));
    if (differing > 0) {
      throw new ManifestProblem('E_STACK_INVALID',
        `component '${name}' of stack '${this.name}' is defined differently by ${this.display(defining[0]!.file)} and ${this.display(defining[differing]!.file)}`,
        defining[differing]!.file, [], 'define it in one of the manifests that make up the stack, or give them different names', undefined);
    }
    return first;
  }
}
