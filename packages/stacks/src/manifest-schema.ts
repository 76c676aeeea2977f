/**
 * The shape of one stack manifest file, as a valibot schema: the one source of both the loader's
 * per-file checks (`parseManifest` validates with it) and the JSON Schema editors use
 * (`tfwrap schema --stack`, made from it by @tfwrap/plugin-kit). Add a field here and both see it.
 *
 * Messages are written for people: each names what was found (`describe(issue.input)`), and
 * `manifestIssueReport` puts the field in front (`vars must be a mapping, not a list`) from the
 * issue's path and adds a hint. What JSON Schema can say is said in the schema (types, enums,
 * non-blank strings as `pattern: \S`); did-you-mean hints come from the reports.
 *
 * Unknown keys are allowed (and ignored) except inside a stack command (an entry of `hooks:`), where a typo would silently
 * drop a setting. Null stands for "absent" wherever the loader has always taken it so.
 */
import * as v from 'valibot';
import { didYouMean } from '@tfwrap/core';
import { stackCommandEvents } from './stack-commands.js';
import type { Mapping } from './merge.js';

/** A value's kind for messages: `a list`, `the string "x"`, `the number 3`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  return `the ${typeof value} ${String(value as number | boolean | bigint | symbol)}`;
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `must <do what>, not <what was found>`; the field's name is put in front from the issue's path. */
const must = (what: string) => (issue: v.BaseIssue<unknown>) => `must ${what}, not ${describe(issue.input)}`;
const mustBe = (what: string) => must(`be ${what}`);

/**
 * A YAML mapping (valibot's object and record schemas take lists too). The check is a `custom`
 * step, which JSON Schema conversion skips: there `type: object` already excludes arrays.
 */
function mapping<const T extends v.GenericSchema<Mapping, unknown>>(inner: T, message: v.ErrorMessage<v.CustomIssue> = mustBe('a mapping')) {
  return v.pipe(v.custom<Mapping>(isMapping, message), inner);
}

/** A string with something other than blanks in it (JSON Schema: `pattern: "\S"`). */
function text(message: v.ErrorMessage<v.StringIssue | v.RegexIssue<string>>) {
  return v.pipe(v.string(message), v.regex(/\S/, message));
}

const anyMapping = mapping(v.record(v.string(), v.unknown()));

/** Environment values: text; numbers and booleans are written out; null unsets an inherited one. */
function envSchema(valueMessage: v.ErrorMessage<v.UnionIssue<v.BaseIssue<unknown>>>) {
  return mapping(v.record(v.string(), v.nullable(v.union([v.string(), v.number(), v.boolean()], valueMessage))));
}

/** A stack command, an entry of `hooks:` (see stack-commands.ts). Its required key (command, or name for a store hook) is checked once the layers are merged. */
const commandMessage = 'must be a list of arguments or a shell command line';
const stackCommandSchema = mapping(
  v.strictObject(
    {
      // Atmos takes any event names (one that never happens just never matches; validate warns)
      // and none at all (every event): see stack-commands.ts.
      events: v.optional(v.array(v.string('must be an event name such as before-terraform-plan'), 'must be a list such as [before-terraform-plan]')),
      command: v.optional(
        v.union([v.pipe(v.array(v.string()), v.minLength(1, commandMessage)), text(commandMessage)], commandMessage),
      ),
      working_dir: v.optional(text('must be a directory path')),
      env: v.optional(envSchema(mustBe('a string'))),
      continue_on_error: v.optional(v.boolean(mustBe('true or false'))),
      enabled: v.optional(v.boolean(mustBe('true or false'))),
      // Atmos's hook kinds tfwrap runs: store (or command: store) and command (a binary with args).
      kind: v.optional(v.picklist(['store', 'command'], (issue) => `kind ${JSON.stringify(issue.input)} is not a hook kind tfwrap runs: store or command (Atmos's step, steps, git and tool kinds such as checkov are not supported)`)),
      // kind: command (Atmos's generic command kind): the binary's arguments and what a failure does.
      args: v.optional(v.array(v.string(), 'must be a list of arguments')),
      on_failure: v.optional(v.picklist(['warn', 'fail', 'ignore'], 'must be warn, fail or ignore')),
      name: v.optional(text('must name a store under stores:')),
      outputs: v.optional(mapping(v.record(v.string(), v.union([v.string(), v.number(), v.boolean()], 'must be .<terraform output> or a literal value')))),
    },
    // The unknown key is the last item of the issue's path; the stack command's name is filled in later.
    (issue) => `unknown key '${String(issue.path?.[issue.path.length - 1]?.key)}' in {stackCommand}`,
  ),
  'must be a mapping with events: and command:',
);

/** The keys a stack command takes. */
export const stackCommandKeys: readonly string[] = Object.keys(stackCommandSchema.pipe[1].entries);

const componentNames = v.array(text(mustBe('component names')), mustBe('a list of component names'));

/**
 * Atmos's map form of `settings.depends_on`: `{ 1: { component: vpc, stack?: ..., stage?: ... } }`;
 * an entry may name a file or folder instead (`{ file: path }`, `{ folder: path }`), which only
 * `describe affected` reads.
 */
const dependencyEntryMessage = 'must be a mapping with component:, file: or folder: (and optionally stack:, tenant:, environment:, stage:)';
const dependencyEntry = mapping(v.pipe(
  v.looseObject({
    component: v.nullish(text(must('name a component'))),
    file: v.nullish(text(must('be a file path'))),
    folder: v.nullish(text(must('be a folder path'))),
    stack: v.nullish(v.string(mustBe('a stack name'))),
    namespace: v.nullish(v.string(mustBe('a string'))),
    tenant: v.nullish(v.string(mustBe('a string'))),
    environment: v.nullish(v.string(mustBe('a string'))),
    stage: v.nullish(v.string(mustBe('a string'))),
  }),
  // A custom step (JSON Schema conversion skips it): one of the three is needed.
  v.check((entry) => [entry.component, entry.file, entry.folder].some((value) => typeof value === 'string'), 'must have component:, file: or folder:, not a mapping with none of them'),
), dependencyEntryMessage);
const dependsOnSchema = v.union([componentNames, mapping(v.record(v.string(), v.nullable(dependencyEntry)))],
  'must be a list of component names or a mapping of { component: ... }, { file: ... } or { folder: ... } entries');

/**
 * `dependencies.components`: `[{ name: vpc }, { component: vpc, stack: x }]`, and Atmos's inline
 * path form `{ kind: file, path: ... }` / `{ kind: folder, path: ... }`.
 */
const dependencyComponent = mapping(v.pipe(
  v.looseObject({
    name: v.nullish(text(must('name a component'))),
    component: v.nullish(text(must('name a component'))),
    stack: v.nullish(v.string(mustBe('a stack name'))),
    kind: v.nullish(v.string(mustBe('a string such as file or folder'))),
    path: v.nullish(text(must('be a file or folder path'))),
  }),
  v.check((entry) => (entry.kind !== 'file' && entry.kind !== 'folder') || typeof entry.path === 'string',
    (issue) => `with kind: ${String((issue.input as { kind?: unknown }).kind)} must have path:`),
), 'must be a mapping with name: (and optionally stack:), or kind: file|folder with path:');
const pathList = (what: string) => v.array(text(mustBe(`a ${what} path`)), mustBe(`a list of ${what} paths`));

/** The sections that may stand at the root of a manifest, in `terraform:` and in a component. */
const sectionEntries = {
  vars: v.nullish(anyMapping),
  env: v.nullish(envSchema(mustBe('a string'))),
  settings: v.nullish(mapping(v.looseObject({
    depends_on: v.nullish(dependsOnSchema),
    list_merge_strategy: v.nullish(v.picklist(['replace', 'append', 'merge'], mustBe('replace, append or merge'))),
  }))),
  auth: v.nullish(mapping(v.looseObject({ identity: v.nullish(v.string(mustBe('the name of an identity'))) }))),
  hooks: v.nullish(mapping(v.record(v.string(), v.nullable(stackCommandSchema)))),
  backend_type: v.nullish(text(mustBe('a backend name such as s3'))),
  backend: v.nullish(mapping(v.record(v.string(), v.nullable(mapping(v.record(v.string(), v.unknown()), mustBe('a mapping of backend settings')))))),
  remote_state_backend_type: v.nullish(text(mustBe('a backend name such as s3'))),
  remote_state_backend: v.nullish(mapping(v.record(v.string(), v.nullable(mapping(v.record(v.string(), v.unknown()), mustBe('a mapping of backend settings')))))),
  providers: v.nullish(mapping(v.record(v.string(), v.unknown()))),
  command: v.nullish(text(mustBe('a command name or path'))),
  dependencies: v.nullish(mapping(v.looseObject({
    components: v.nullish(v.array(dependencyComponent, mustBe('a list of { name: ... } entries'))),
    files: v.nullish(pathList('file')),
    folders: v.nullish(pathList('folder')),
  }))),
};

/** `overrides:` (at the root or in `terraform:`): sections applied after every other layer. */
const overridesSchema = v.nullish(mapping(v.looseObject(sectionEntries)));

export const metadataTypes = ['real', 'abstract'] as const;

const metadataSchema = mapping(
  v.looseObject({
    component: v.nullish(text(must('name a Terraform component directory'))),
    inherits: v.nullish(componentNames),
    type: v.nullish(v.picklist(metadataTypes, mustBe('real or abstract'))),
    locked: v.nullish(v.boolean(mustBe('true or false'))),
    enabled: v.nullish(v.boolean(mustBe('true or false'))),
  }),
);

/**
 * Atmos's stack-wide `metadata:` at a manifest's root (its 2026-07-28 release): defaults under
 * every component's own and inherited metadata, limited to these keys; any other is an error, as
 * in Atmos (stack_processor_process_stacks.go validateGlobalMetadataSection), since applying
 * `component`, `inherits`, `type`, `name` or `terraform_workspace` to every component would be wrong.
 */
export const stackMetadataKeys = ['labels', 'tags', 'custom', 'enabled', 'locked', 'terraform_workspace_pattern'] as const;
const stackMetadataSchema = mapping(
  v.strictObject(
    {
      labels: v.nullish(anyMapping),
      tags: v.nullish(anyMapping),
      custom: v.nullish(anyMapping),
      enabled: v.nullish(v.boolean(mustBe('true or false'))),
      locked: v.nullish(v.boolean(mustBe('true or false'))),
      terraform_workspace_pattern: v.nullish(text(mustBe('a pattern such as {tenant}-{stage}'))),
    },
    (issue) => `metadata.${String(issue.path?.[issue.path.length - 1]?.key)} is not allowed in a stack-wide metadata: section`,
  ),
);

const componentSchema = mapping(v.looseObject({
  ...sectionEntries,
  metadata: v.nullish(metadataSchema),
  // Atmos's legacy inheritance: `component: vpc` builds on component vpc (and its directory).
  component: v.nullish(text(must('name a component'))),
  // Its own locals (the file's, at the root and in terraform:, are applied before this check).
  locals: v.nullish(anyMapping),
}));

/** An import: a path, or Atmos's object form `{ path, context, skip_if_missing, ... }`. */
const importEntry = v.union([
  text(mustBe('non-empty strings')),
  mapping(v.looseObject({
    path: text(must('name a manifest')),
    context: v.nullish(anyMapping),
    skip_if_missing: v.nullish(v.boolean(mustBe('true or false'))),
    skip_templates_processing: v.nullish(v.boolean(mustBe('true or false'))),
    ignore_missing_template_values: v.nullish(v.boolean(mustBe('true or false'))),
  })),
], 'must be paths or { path: ... } entries');

const manifestSchema = mapping(
  v.looseObject({
    name: v.optional(text(mustBe('a non-empty string'))),
    import: v.nullish(v.array(importEntry, mustBe('a list of paths'))),
    ...sectionEntries,
    metadata: v.nullish(stackMetadataSchema),
    overrides: overridesSchema,
    terraform: v.nullish(mapping(v.looseObject({ ...sectionEntries, overrides: overridesSchema }))),
    components: v.nullish(
      mapping(
        v.looseObject({
          // `vpc:` with nothing under it declares the component with defaults only.
          terraform: v.nullish(
            mapping(v.record(v.string(), v.nullable(componentSchema)), mustBe('a mapping of component names')),
          ),
        }),
      ),
    ),
  }),
);

/** A manifest that passed the schema, as valibot reads it. */
export type StackManifest = v.InferOutput<typeof manifestSchema>;

/**
 * One stack manifest file. An empty file (null) is an empty manifest; the loader reads it as `{}`.
 * Typed as a plain schema: the full type is deep enough to exhaust the type checker of a consumer
 * (toJsonSchema of it does), and nothing needs more than its output type.
 */
export const stackManifestSchema: v.GenericSchema<unknown, unknown> = manifestSchema;

/** One problem of a manifest, ready for a ManifestProblem: where, what, and what to do. */
export interface ManifestIssueReport {
  yamlPath: Array<string | number>;
  message: string;
  hint?: string;
}

/** Hints by field (see `fieldOf`); a function gets the value found. */
const hintsByField: Record<string, string | ((input: unknown) => string | undefined)> = {
  '': 'start the file with keys such as import:, vars: or components:',
  import: 'write import: [catalog/vpc, "mixins/*"]',
  'import[]': 'name a manifest relative to the stacks directory, such as catalog/vpc',
  components: 'write components: { terraform: { <name>: { vars: ... } } }',
  'env.*': 'environment variables are text; null unsets an inherited one',
  'settings.depends_on': 'write depends_on: [network, dns] or depends_on: { 1: { component: network }, 2: { file: config/app.json } }',
  'backend.*': 'write backend: { s3: { bucket: ..., key: ... } }',
  'metadata.inherits': 'write inherits: [vpc-defaults]',
  'metadata.type': (input) => (typeof input === 'string' ? didYouMean(input, metadataTypes) : undefined),
  stackCommand: 'write hooks: { fmt: { events: [before-terraform-plan], command: [terraform, fmt, -check] } }',
  'stackCommand.events[]': (input) => (typeof input === 'string' ? didYouMean(input, stackCommandEvents) : undefined)
    ?? 'events are before-terraform-<command> or after-terraform-<command>, such as after-terraform-apply',
  'stackCommand.command': 'write command: [terraform, fmt, -check] or command: "make lint"',
};

/** Mapping sections whose keys are names chosen by the user: `env.*`, not `env.HOME`. */
const namedKeys = new Set(['env', 'backend']);

/**
 * Where an issue is, in words: the subject that goes in front of a `must be ...` message
 * (`env.A`, `component 'vpc'`, `import entries`), the field that picks a hint (`env.*`,
 * `import[]`), and the stack command (an entry of `hooks:`) it is inside, if any.
 */
function fieldOf(path: ReadonlyArray<string | number>): { subject: string; field: string; stackCommand?: string } {
  if (path.length === 0) return { subject: 'a stack manifest', field: '' };
  let rest = path;
  if (rest[0] === 'components') {
    if (rest.length === 1) return { subject: 'components', field: 'components' };
    if (rest.length === 2) return { subject: 'components.terraform', field: 'components.terraform' };
    if (rest.length === 3) return { subject: `component '${String(rest[2])}'`, field: 'component' };
    rest = rest.slice(3);
  } else if (rest[0] === 'terraform' && rest.length > 1) {
    rest = rest.slice(1);
  }
  let stackCommand: string | undefined;
  let prefix = '';
  if (rest[0] === 'hooks' && rest.length >= 2) {
    stackCommand = String(rest[1]);
    if (rest.length === 2) return { subject: `stack command '${stackCommand}'`, field: 'stackCommand', stackCommand };
    rest = rest.slice(2);
    prefix = 'stackCommand.';
  }
  const last = rest[rest.length - 1];
  const names = rest.filter((key) => typeof key === 'string');
  const subject = names.join('.') + (typeof last === 'number' ? ' entries' : '');
  const field = prefix + rest
    .map((key, i) => (typeof key === 'number' ? '[]' : i > 0 && namedKeys.has(String(rest[i - 1])) ? '*' : key))
    .join('.')
    .replace(/\.\[\]/g, '[]');
  return { subject, field, stackCommand };
}

/** An issue of `stackManifestSchema` as a located message with a hint. */
export function manifestIssueReport(issue: v.BaseIssue<unknown>): ManifestIssueReport {
  const yamlPath = (issue.path ?? []).map((item) => item.key as string | number);
  const { subject, field, stackCommand } = fieldOf(yamlPath);
  let message = issue.message;
  const commandName = stackCommand === undefined ? undefined : `stack command '${stackCommand}'`;
  if (commandName && message.includes('{stackCommand}')) {
    message = message.replace('{stackCommand}', commandName);
  } else {
    if (message.startsWith('must ')) message = `${subject} ${message}`;
    if (commandName && field !== 'stackCommand') message = `${commandName}: ${message}`;
  }
  const unknownCommandKey = issue.type === 'strict_object' && stackCommand !== undefined;
  const stackMetadataKey = issue.type === 'strict_object' && yamlPath.length === 2 && yamlPath[0] === 'metadata';
  const hint = unknownCommandKey
    ? didYouMean(String(yamlPath[yamlPath.length - 1]), stackCommandKeys) ?? `stack commands take ${stackCommandKeys.join(', ')}`
    : stackMetadataKey
      ? `a stack-wide metadata: takes ${stackMetadataKeys.join(', ')}; write the others under components.terraform.<name>.metadata`
      : hintFor(field, issue.input);
  return { yamlPath, message, hint };
}

function hintFor(field: string, input: unknown): string | undefined {
  const hint = hintsByField[field];
  return typeof hint === 'function' ? hint(input) : hint;
}
