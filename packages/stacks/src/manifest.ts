/**
 * One stack manifest file: parsing, and checking the types of the sections tfwrap knows.
 *
 * Checks here are per file, so that an error points at the file and line that wrote the bad value.
 * What can only be checked once the layers are merged (an inherited component that exists nowhere,
 * a hook missing its command) is checked when a component is resolved.
 */
import { readFileSync } from 'node:fs';
import jsYaml from 'js-yaml';
import { parseYaml, type YamlPath } from '@tfwrap/core';
import { ManifestProblem, didYouMean } from './problem.js';
import { isMapping } from './settings.js';
import type { Mapping } from './merge.js';
import { checkHooksSection } from './hooks.js';

/** The sections that may stand at the root of a manifest, in `terraform:` and in a component. */
export interface ConfigSections {
  vars?: Mapping;
  env?: Mapping;
  settings?: Mapping;
  auth?: Mapping;
  hooks?: Mapping;
  backend_type?: string;
  backend?: Mapping;
}

export const sectionNames = ['vars', 'env', 'settings', 'auth', 'hooks', 'backend_type', 'backend'] as const;
export type SectionName = (typeof sectionNames)[number];

export interface ComponentMetadata {
  component?: string;
  inherits?: string[];
  type?: 'real' | 'abstract';
  locked?: boolean;
  [key: string]: unknown;
}

export interface ComponentSection extends ConfigSections {
  metadata?: ComponentMetadata;
}

/** A parsed, checked manifest. Unknown keys are kept in the files but ignored here. */
export interface Manifest {
  /** Absolute path. */
  file: string;
  text: string;
  /** The explicit stack name (`name:`); only meaningful for the manifest of a stack. */
  name?: string;
  imports: string[];
  globals: ConfigSections;
  terraform: ConfigSections;
  /** `components.terraform`, by component name, in file order. */
  components: Map<string, ComponentSection>;
}

export function readManifest(file: string): Manifest {
  const text = readFileSync(file, 'utf8');
  return parseManifest(text, file);
}

export function parseManifest(text: string, file: string): Manifest {
  const document = parseYaml(text, file);
  const problem = (yamlPath: YamlPath, message: string, hint?: string): ManifestProblem =>
    new ManifestProblem('E_STACK_INVALID', message, file, yamlPath, hint, text);

  // An empty file is an empty manifest: a placeholder mixin is harmless.
  const root = document ?? {};
  if (!isMapping(root)) {
    throw problem([], `a stack manifest must be a mapping, not ${describe(root)}`,
      'start the file with keys such as import:, vars: or components:');
  }

  const name = root.name;
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) {
    throw problem(['name'], `name must be a non-empty string, not ${describe(name)}`);
  }

  const imports = root.import ?? [];
  if (!Array.isArray(imports)) {
    throw problem(['import'], `import must be a list of paths, not ${describe(imports)}`,
      'write import: [catalog/vpc, "mixins/*"]');
  }
  imports.forEach((entry, index) => {
    if (typeof entry !== 'string' || entry.trim() === '') {
      throw problem(['import', index], `import entries must be non-empty strings, not ${describe(entry)}`,
        'name a manifest relative to the stacks directory, such as catalog/vpc');
    }
  });

  const globals = checkSections(root, [], problem);
  const terraformSection = root.terraform ?? {};
  if (!isMapping(terraformSection)) {
    throw problem(['terraform'], `terraform must be a mapping, not ${describe(terraformSection)}`);
  }
  const terraform = checkSections(terraformSection, ['terraform'], problem);

  const components = new Map<string, ComponentSection>();
  const componentsSection = root.components ?? {};
  if (!isMapping(componentsSection)) {
    throw problem(['components'], `components must be a mapping, not ${describe(componentsSection)}`,
      'write components: { terraform: { <name>: { vars: ... } } }');
  }
  const terraformComponents = componentsSection.terraform ?? {};
  if (!isMapping(terraformComponents)) {
    throw problem(['components', 'terraform'],
      `components.terraform must be a mapping of component names, not ${describe(terraformComponents)}`);
  }
  for (const [componentName, value] of Object.entries(terraformComponents)) {
    const at: YamlPath = ['components', 'terraform', componentName];
    // `vpc:` with nothing under it declares the component with defaults only.
    const section = value ?? {};
    if (!isMapping(section)) {
      throw problem(at, `component '${componentName}' must be a mapping, not ${describe(section)}`);
    }
    const checked: ComponentSection = checkSections(section, at, problem);
    if (section.metadata !== undefined && section.metadata !== null) {
      checked.metadata = checkMetadata(section.metadata, [...at, 'metadata'], problem);
    }
    components.set(componentName, checked);
  }

  return {
    file,
    text,
    name: typeof name === 'string' ? name.trim() : undefined,
    imports: (imports as string[]).map((entry) => entry.trim()),
    globals,
    terraform,
    components,
  };
}

type ProblemAt = (yamlPath: YamlPath, message: string, hint?: string) => ManifestProblem;

function checkSections(container: Mapping, at: YamlPath, problem: ProblemAt): ConfigSections {
  const sections: ConfigSections = {};
  const mappingAt = (key: 'vars' | 'env' | 'settings' | 'auth' | 'hooks' | 'backend'): Mapping | undefined => {
    const value = container[key];
    if (value === undefined || value === null) return undefined;
    if (!isMapping(value)) throw problem([...at, key], `${key} must be a mapping, not ${describe(value)}`);
    return value;
  };

  sections.vars = mappingAt('vars');

  const env = mappingAt('env');
  if (env) {
    for (const [key, value] of Object.entries(env)) {
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
        throw problem([...at, 'env', key], `env.${key} must be a string, not ${describe(value)}`,
          'environment variables are text; null unsets an inherited one');
      }
    }
    sections.env = env;
  }

  const settings = mappingAt('settings');
  if (settings) {
    checkDependsOn(settings.depends_on, [...at, 'settings', 'depends_on'], problem);
    sections.settings = settings;
  }

  const auth = mappingAt('auth');
  if (auth) {
    if (auth.identity !== undefined && auth.identity !== null && typeof auth.identity !== 'string') {
      throw problem([...at, 'auth', 'identity'], `auth.identity must be the name of an identity, not ${describe(auth.identity)}`);
    }
    sections.auth = auth;
  }

  const hooks = mappingAt('hooks');
  if (hooks) {
    checkHooksSection(hooks, [...at, 'hooks'], problem);
    sections.hooks = hooks;
  }

  const backendType = container.backend_type;
  if (backendType !== undefined && backendType !== null) {
    if (typeof backendType !== 'string' || backendType.trim() === '') {
      throw problem([...at, 'backend_type'], `backend_type must be a backend name such as s3, not ${describe(backendType)}`);
    }
    sections.backend_type = backendType;
  }

  const backend = mappingAt('backend');
  if (backend) {
    for (const [type, config] of Object.entries(backend)) {
      if (config !== null && !isMapping(config)) {
        throw problem([...at, 'backend', type], `backend.${type} must be a mapping of backend settings, not ${describe(config)}`,
          'write backend: { s3: { bucket: ..., key: ... } }');
      }
    }
    sections.backend = backend;
  }
  return sections;
}

function checkDependsOn(value: unknown, at: YamlPath, problem: ProblemAt): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    throw problem(at, `settings.depends_on must be a list of component names, not ${describe(value)}`,
      'write depends_on: [network, dns]');
  }
  value.forEach((entry, index) => {
    if (typeof entry !== 'string' || entry.trim() === '') {
      throw problem([...at, index], `settings.depends_on entries must be component names, not ${describe(entry)}`);
    }
  });
}

const metadataTypes = ['real', 'abstract'];

function checkMetadata(value: unknown, at: YamlPath, problem: ProblemAt): ComponentMetadata {
  if (!isMapping(value)) throw problem(at, `metadata must be a mapping, not ${describe(value)}`);
  const { component, inherits, type, locked } = value;
  if (component !== undefined && component !== null && (typeof component !== 'string' || component.trim() === '')) {
    throw problem([...at, 'component'], `metadata.component must name a Terraform component directory, not ${describe(component)}`);
  }
  if (inherits !== undefined && inherits !== null) {
    if (!Array.isArray(inherits)) {
      throw problem([...at, 'inherits'], `metadata.inherits must be a list of component names, not ${describe(inherits)}`,
        'write inherits: [vpc-defaults]');
    }
    inherits.forEach((entry, index) => {
      if (typeof entry !== 'string' || entry.trim() === '') {
        throw problem([...at, 'inherits', index], `metadata.inherits entries must be component names, not ${describe(entry)}`);
      }
    });
  }
  if (type !== undefined && type !== null && (typeof type !== 'string' || !metadataTypes.includes(type))) {
    throw problem([...at, 'type'], `metadata.type must be real or abstract, not ${describe(type)}`,
      typeof type === 'string' ? didYouMean(type, metadataTypes) : undefined);
  }
  if (locked !== undefined && locked !== null && typeof locked !== 'boolean') {
    throw problem([...at, 'locked'], `metadata.locked must be true or false, not ${describe(locked)}`);
  }
  return value as ComponentMetadata;
}

/** A value's kind for messages: `a list`, `the string "x"`, `the number 3`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  return `the ${typeof value} ${String(value)}`;
}

/**
 * The `name:` a manifest declares, found without parsing the whole file: listing a thousand stacks
 * must not parse a thousand documents. Only a root-level `name:` line counts (it starts at column 0);
 * its value is parsed as YAML so quotes work. A file whose root key cannot be read this way (a block
 * scalar, say) is parsed whole.
 */
export function scanStackName(text: string, file: string): string | undefined {
  const match = /^(?:name|"name"|'name')[ \t]*:(.*)$/m.exec(text);
  if (!match) return undefined;
  let value: unknown;
  try {
    value = jsYaml.load(match[1] ?? '');
  } catch {
    value = undefined;
  }
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  let document: unknown;
  try {
    document = parseYaml(text, file);
  } catch {
    return undefined; // a broken file is reported when it is loaded, not while looking for names
  }
  const declared = isMapping(document) ? document.name : undefined;
  return typeof declared === 'string' && declared.trim() !== '' ? declared.trim() : undefined;
}
