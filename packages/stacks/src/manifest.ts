/**
 * One stack manifest file: parsing, and checking the types of the sections tfwrap knows.
 *
 * Checks here are per file, so that an error points at the file and line that wrote the bad value;
 * they are `stackManifestSchema` (manifest-schema.ts), which also gives the JSON Schema, and every
 * problem of a file is reported at once.
 * What can only be checked once the layers are merged (an inherited component that exists nowhere,
 * a stack command missing its command) is checked when a component is resolved.
 */
import { readFileSync } from 'node:fs';
import jsYaml from 'js-yaml';
import { parseAtmosYaml } from '@tfwrap/core';
import { evaluateFunctions, type FunctionContext, type FunctionRead } from './yaml-functions.js';
import * as v from 'valibot';
import { ManifestProblem, ManifestProblems } from './problem.js';
import { isMapping } from './settings.js';
import { deepMerge, mapTags, type Mapping } from './merge.js';
import { applyLocals } from './locals.js';
import { manifestIssueReport, stackManifestSchema, type StackManifest } from './manifest-schema.js';

/** The sections that may stand at the root of a manifest, in `terraform:` and in a component. */
export interface ConfigSections {
  vars?: Mapping;
  env?: Mapping;
  settings?: Mapping;
  auth?: Mapping;
  hooks?: Mapping;
  backend_type?: string;
  backend?: Mapping;
  remote_state_backend_type?: string;
  remote_state_backend?: Mapping;
  providers?: Mapping;
  command?: string;
  dependencies?: Mapping;
  /** A component's own `locals:` (the file's ones are applied when it is read: locals.ts). */
  locals?: Mapping;
}

export const sectionNames = [
  'vars', 'env', 'settings', 'auth', 'hooks', 'backend_type', 'backend',
  'remote_state_backend_type', 'remote_state_backend', 'providers', 'command', 'dependencies', 'locals',
] as const;
export type SectionName = (typeof sectionNames)[number];

export interface ComponentMetadata {
  component?: string;
  inherits?: string[];
  type?: 'real' | 'abstract';
  locked?: boolean;
  enabled?: boolean;
  [key: string]: unknown;
}

export interface ComponentSection extends ConfigSections {
  metadata?: ComponentMetadata;
  /** Atmos's legacy `component: <base>`. */
  component?: string;
}

/** One `import:` entry: a path, or Atmos's object form. */
interface ImportEntry {
  path: string;
  context?: Mapping;
  skipIfMissing: boolean;
  /** `skip_templates_processing: true`: the file is not rendered as a Go template. */
  skipTemplates?: boolean;
  /** `ignore_missing_template_values: true`: a missing key renders `<no value>` instead of failing. */
  ignoreMissingTemplateValues?: boolean;
}

/** A parsed, checked manifest. Unknown keys are kept in the files but ignored here. */
export interface Manifest {
  /** Absolute path. */
  file: string;
  /** The key the loader caches it by, when not `file`: a Go template rendered with a context (imports.ts templateKey). */
  key?: string;
  /** The import context it was rendered with, handed down to its own imports. */
  context?: Mapping;
  /** The text parsed: the file's, or what its Go templates rendered. */
  text: string;
  /** The explicit stack name (`name:`); only meaningful for the manifest of a stack. */
  name?: string;
  imports: string[];
  importEntries: ImportEntry[];
  /** The root sections, and Atmos's stack-wide `metadata:` (defaults for every component's). */
  globals: ComponentSection;
  /** `overrides:` then `terraform.overrides:` of this file (see overrides.ts for their scope). */
  overrides: ConfigSections;
  /** Lines holding Go template syntax (`{{`), which tfwrap leaves as text. */
  templateLines: number[];
  /** The whole document, functions evaluated (for validate's report of what tfwrap leaves alone). */
  document: unknown;
  terraform: ConfigSections;
  /** `components.terraform`, by component name, in file order. */
  components: Map<string, ComponentSection>;
  /** The functions evaluated when the file was read, where there were any (see FunctionRead). */
  functionReads?: FunctionRead[];
}

export function readManifest(file: string, functions?: FunctionContext): Manifest {
  const text = readFileSync(file, 'utf8');
  return parseManifest(text, file, functions);
}

export function parseManifest(text: string, file: string, functions?: FunctionContext): Manifest {
  // An empty file is an empty manifest: a placeholder mixin is harmless. Atmos's YAML functions
  // (!env, !include, ...) are evaluated here, per file; see yaml-functions.ts.
  const parsed = parseAtmosYaml(text, file) ?? {};
  // Without a `!` in the text there is no tag to evaluate (and no copy of the document to make).
  const functionReads: FunctionRead[] = [];
  const evaluated = functions && text.includes('!') ? evaluateFunctions(parsed, file, functions, functionReads) : parsed;
  // File-scoped `locals:` (locals.ts): resolved and applied here, then gone from the document.
  const withLocals = applyLocals(evaluated, file, text);
  const root = withLocals?.document ?? evaluated;
  // The schema judges the shape; the values used are the document's own (valibot's output is a copy).
  // An unevaluated Atmos function (AtmosTag) is checked as the text it stands for: it is reported
  // when a component uses it, not as a wrong type here.
  const result = v.safeParse(stackManifestSchema, text.includes('!') ? tagsAsText(root) : root);
  if (!result.success) {
    const problems = result.issues.map((issue) => {
      const { yamlPath, message, hint } = manifestIssueReport(issue);
      return new ManifestProblem('E_STACK_INVALID', message, file, yamlPath, hint, text);
    });
    throw problems.length === 1 ? problems[0]! : new ManifestProblems(problems);
  }
  const manifest = root as ManifestDocument;
  const terraformComponents = manifest.components?.terraform ?? {};
  const components = new Map<string, ComponentSection>();
  for (const [componentName, section] of Object.entries(terraformComponents)) {
    // Metadata is kept as written (a null clears an inherited value when the files are merged).
    const sections = sectionsOf(section ?? {}, (section?.metadata ?? undefined) as ComponentMetadata | undefined);
    if (typeof section?.component === 'string') sections.component = section.component.trim();
    components.set(componentName, sections);
  }
  const importEntries: ImportEntry[] = (manifest.import ?? []).map((entry) => typeof entry === 'string'
    ? { path: entry.trim(), skipIfMissing: false }
    : {
      path: entry.path.trim(), context: entry.context ?? undefined, skipIfMissing: entry.skip_if_missing === true,
      skipTemplates: entry.skip_templates_processing === true, ignoreMissingTemplateValues: entry.ignore_missing_template_values === true,
    });
  return {
    file,
    text,
    name: manifest.name?.trim(),
    imports: importEntries.map((entry) => entry.path),
    importEntries,
    // Atmos's stack-wide metadata (manifest-schema.ts stackMetadataSchema) goes with the globals.
    globals: sectionsOf(manifest, (manifest.metadata ?? undefined) as ComponentMetadata | undefined),
    terraform: sectionsOf(manifest.terraform ?? {}),
    overrides: overridesOf(manifest),
    components,
    // A file whose locals rendered all its templates has none left as text.
    templateLines: withLocals?.rendered ? [] : templateLinesOf(text),
    document: root,
    ...(functionReads.length > 0 ? { functionReads } : {}),
  };
}

/** A manifest's `overrides` then `terraform.overrides`, the later winning (as Atmos merges them). */
export function overridesOf(document: unknown): ConfigSections {
  const manifest = document as ManifestDocument;
  const list = [sectionsOf((manifest.overrides ?? {}) as SectionsDocument), sectionsOf((manifest.terraform?.overrides ?? {}) as SectionsDocument)];
  return deepMerge(list as Mapping[]) as ConfigSections;
}

/** 1-based lines with `{{` outside comments. */
function templateLinesOf(text: string): number[] {
  if (!text.includes('{{')) return [];
  const lines: number[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.includes('{{') && !/^\s*#/.test(line)) lines.push(index + 1);
  });
  return lines;
}

function tagsAsText(value: unknown): unknown {
  return mapTags(value, (tag) => `${tag.tag} ${tag.argument}`);
}

/** A manifest that passed `stackManifestSchema`, as the loader reads it. */
type ManifestDocument = StackManifest;
type SectionsDocument = { [K in SectionName]?: unknown };

/** The known sections of a checked container; null (an explicit "nothing") reads as absent. */
function sectionsOf(container: SectionsDocument, metadata?: ComponentMetadata): ComponentSection {
  const sections: ComponentSection = {};
  for (const key of sectionNames) {
    const value = container[key];
    if (value !== undefined && value !== null) (sections as Record<string, unknown>)[key] = value;
  }
  if (metadata) sections.metadata = metadata;
  return sections;
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
    document = parseAtmosYaml(text, file);
  } catch {
    return undefined; // a broken file is reported when it is loaded, not while looking for names
  }
  const declared = isMapping(document) ? document.name : undefined;
  return typeof declared === 'string' && declared.trim() !== '' ? declared.trim() : undefined;
}
