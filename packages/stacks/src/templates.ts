/**
 * Go templates in stacks, evaluated where Atmos evaluates them (see docs/adr/004-templates.md):
 *
 * - import time: a `.yaml.tmpl`/`.yml.tmpl` import, or an import with `context:` (merged down the
 *   import chain, the importer's winning), is rendered as text before it is parsed;
 * - after merging, when `templates.settings.enabled`: the component section, serialized as YAML,
 *   is rendered as one template whose data is the section itself, `evaluations` times;
 * - `stacks.name_template` and `metadata.terraform_workspace_template`.
 *
 * The engine (`@tfwrap/gotemplate`) is loaded only when a text to render holds `{{`: loading is
 * synchronous inside this package, so the first use throws NeedsTemplateEngine, and the async
 * entry points (withLocatedErrors) load the engine and run the work again. A repository without
 * templates never loads it.
 */
import jsYaml from 'js-yaml';
import { AtmosTag, TfwrapError, atmosTagNames, parseAtmosYaml } from '@tfwrap/core';
import type * as GoTemplate from '@tfwrap/gotemplate';
import type { Mapping } from './merge.js';

type Engine = typeof GoTemplate;
let engine: Engine | undefined;

/** Thrown where a template must be rendered before the engine is loaded; see the module comment. */
export class NeedsTemplateEngine extends Error {
  constructor() {
    super('the Go template engine is not loaded yet');
  }
}

function templateEngine(): Engine {
  if (!engine) throw new NeedsTemplateEngine();
  return engine;
}

/** Whether the engine has been loaded in this process (for tests of the lazy load). */
export function templateEngineLoaded(): boolean {
  return engine !== undefined;
}

/** Run `work`; if it needs the engine, load it and run `work` again (the caches keep what was done). */
export async function withTemplateEngine<T>(work: () => T): Promise<T> {
  try {
    return work();
  } catch (err) {
    if (!(err instanceof NeedsTemplateEngine)) throw err;
    engine ??= await import('@tfwrap/gotemplate');
    return work();
  }
}

/** `templates.settings` of atmos.yaml, as far as tfwrap acts on it. */
export interface TemplatesSettings {
  /** Render component sections after merging (default false, as in Atmos with an atmos.yaml). */
  enabled: boolean;
  /** How many times the component section is rendered (default 1). */
  evaluations: number;
  /** `missingkey=default` instead of `error` for imports and the name template. */
  ignoreMissingTemplateValues: boolean;
  delimiters: [string, string];
  /** `templates.settings.sprig.enabled`: Sprig functions in the component section pass. */
  sprig: boolean;
  /** `templates.settings.gomplate.enabled`: gomplate is not implemented; its functions are an E_UNSUPPORTED error. */
  gomplate: boolean;
}

export const defaultTemplatesSettings: TemplatesSettings = {
  enabled: false, evaluations: 1, ignoreMissingTemplateValues: false, delimiters: ['{{', '}}'], sprig: false, gomplate: false,
};

export function hasTemplate(text: string, delimiters: [string, string] = ['{{', '}}']): boolean {
  const i = text.indexOf(delimiters[0]);
  return i >= 0 && text.indexOf(delimiters[1], i + delimiters[0].length) >= 0;
}

/** A template error, as one line: where, and Go's own message. */
export class TemplateProblem extends TfwrapError {}

function isTemplateError(err: unknown): err is GoTemplate.TemplateError {
  return err instanceof Error && err.name === 'TemplateError';
}

/** Functions tfwrap does not have (gomplate's namespaces and a few Atmos ones): named in the error. */
const unsupportedFunctions = ['atmos.Store', 'atmos.GomplateDatasource', 'datasource', 'ds', 'include', 'tpl', 'conv', 'coll', 'data', 'file', 'net', 'sockaddr', 'aws', 'gcp', 'math', 'strings', 'time', 'test', 'crypto', 'filepath', 'path', 'regexp', 'random', 'uuid', 'semver', 'env', 'base64', 'json', 'yaml', 'toml', 'csv'];

/** The function a "function "x" not defined" error names, if that is the error. */
function undefinedFunction(err: GoTemplate.TemplateError): string | undefined {
  return /function "([^"]+)" not defined/.exec(err.message)?.[1];
}

export interface RenderOptions {
  /** Named in errors (Go's template name): the manifest's path, or a pass's name. */
  name: string;
  missingKey: 'error' | 'default';
  delimiters: [string, string];
  sprig: boolean;
  /** Extra functions (the `atmos` namespace). */
  funcs?: Record<string, GoTemplate.TemplateFunction>;
  /** Where the template is, for messages: `file` and a line offset, or a description. */
  where: { file?: string; line?: number; what: string };
  /** An error a function raised that should win over the template's own wording. */
  raised?: { error?: Error };
}

/** Render `text`; a template error is a one-line TfwrapError naming the file (and line) and what. */
export function render(text: string, data: unknown, options: RenderOptions): string {
  const go = templateEngine();
  try {
    return go.parse(options.name, text, { funcs: options.funcs, delims: options.delimiters, sprig: options.sprig, missingKey: options.missingKey })
      .execute(data, { missingKey: options.missingKey });
  } catch (err) {
    if (options.raised?.error) throw options.raised.error;
    if (!isTemplateError(err)) throw err;
    const missing = undefinedFunction(err);
    const location = options.where.file === undefined ? undefined
      : { file: options.where.file, line: options.where.line ?? (err.line === undefined ? undefined : err.line) };
    if (missing !== undefined && (unsupportedFunctions.includes(missing) || unsupportedFunctions.includes(missing.split('.')[0]!))) {
      throw new TemplateProblem('E_UNSUPPORTED', `Go template function '${missing}' (${options.where.what}) is not supported by tfwrap`, {
        location, hint: 'tfwrap has Go text/template, Sprig and atmos.Component; write the value out, or compute it with a Sprig function',
      });
    }
    throw new TemplateProblem('E_STACK_INVALID', `Go template error in ${options.where.what}: ${err.message}`, {
      location,
      hint: missing !== undefined && !options.sprig && !options.name.startsWith('name') ? `'${missing}' may be a Sprig function: set templates.settings.sprig.enabled: true in atmos.yaml`
        : /map has no entry for key/.test(err.message) ? 'give the key a value in the import\'s context:, or set ignore_missing_template_values: true on the import'
        : undefined,
    });
  }
}

// --- the component section pass -------------------------------------------------------------

/** js-yaml types that write an Atmos function back as its tag (`!template '{{ ... }}'`). */
const dumpSchema = jsYaml.DEFAULT_SCHEMA.extend(atmosTagNames.map((tag) => new jsYaml.Type(tag, {
  kind: 'scalar',
  instanceOf: AtmosTag,
  predicate: (value: unknown) => value instanceof AtmosTag && value.tag === tag,
  represent: (value: object) => (value as AtmosTag).argument,
})));

export function toYaml(section: Mapping): string {
  return jsYaml.dump(section, { schema: dumpSchema, lineWidth: -1, noRefs: true, sortKeys: false });
}

export interface SectionRenderOptions {
  settings: TemplatesSettings;
  funcs: Record<string, GoTemplate.TemplateFunction>;
  raised: { error?: Error };
  /** `component 'vpc' of stack 'dev'`. */
  what: string;
  /** Where a failing template was written: the file and line holding its text, if found. */
  locate: (templateText: string) => { file: string; line?: number } | undefined;
}

/**
 * The component section rendered as Atmos renders it (templates-all-atmos-sections): the whole
 * section as YAML text, `evaluations` times over the same data, parsed back. Returns undefined when
 * the text holds no template (nothing to do, and the engine is not loaded).
 */
export function renderSection(section: Mapping, options: SectionRenderOptions): Mapping | undefined {
  const { settings } = options;
  const text = toYaml(section);
  if (!hasTemplate(text, settings.delimiters)) return undefined;
  let result = text;
  for (let i = 0; i < Math.max(1, settings.evaluations); i++) {
    const before = result;
    try {
      result = render(result, section, {
        name: 'templates-all-atmos-sections', missingKey: 'default', delimiters: settings.delimiters, sprig: settings.sprig,
        funcs: options.funcs, where: { what: options.what }, raised: options.raised,
      });
    } catch (err) {
      // The line Go names is a line of the serialized section: find the manifest line that wrote it.
      if (err instanceof TemplateProblem && err.location === undefined) {
        const line = /templates-all-atmos-sections:(\d+)/.exec(err.message)?.[1];
        const written = line === undefined ? undefined : templateOnLine(before.split('\n')[Number(line) - 1] ?? '', settings.delimiters);
        const origin = written === undefined ? undefined : options.locate(written);
        if (origin) throw new TemplateProblem(err.code, err.message, { location: origin, hint: err.hint });
      }
      throw err;
    }
    if (!hasTemplate(result, settings.delimiters)) break;
  }
  let parsed: unknown;
  try {
    parsed = parseAtmosYaml(result, `the rendered section of ${options.what}`);
  } catch (err) {
    throw new TemplateProblem('E_STACK_INVALID', `the Go templates of ${options.what} render to text that is not YAML: ${(err as Error).message.split('\n')[0]}`, {
      hint: 'a template must render a value that fits where it stands: quote it ("{{ ... }}"), or render a whole value with toJson',
    });
  }
  return (parsed ?? {}) as Mapping;
}

function templateOnLine(line: string, [left, right]: [string, string]): string | undefined {
  const start = line.indexOf(left);
  const end = line.indexOf(right, start);
  return start >= 0 && end > start ? line.slice(start, end + right.length) : undefined;
}
