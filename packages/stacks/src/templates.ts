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
import { AtmosTag, TfwrapError } from '@tfwrap/core';
import type * as GoTemplate from '@tfwrap/gotemplate';
import { DeferredMerge, type Mapping } from './merge.js';

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

/**
 * Whether the engine has been loaded in this process (for tests of the lazy load, which import
 * it from dist in a child process).
 * @public
 */
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
  /** `templates.settings.env`: set while the component pass renders (Sprig's `env` reads them). */
  env?: Record<string, string>;
}

export const defaultTemplatesSettings: TemplatesSettings = {
  enabled: false, evaluations: 1, ignoreMissingTemplateValues: false, delimiters: ['{{', '}}'], sprig: false, gomplate: false,
};

export function hasTemplate(text: string, delimiters: [string, string] = ['{{', '}}']): boolean {
  const i = text.indexOf(delimiters[0]);
  return i >= 0 && text.indexOf(delimiters[1], i + delimiters[0].length) >= 0;
}

/** A template error, as one line: where, and Go's own message. */
class TemplateProblem extends TfwrapError {}

function isTemplateError(err: unknown): err is GoTemplate.TemplateError {
  return err instanceof Error && err.name === 'TemplateError';
}

/**
 * gomplate v3.11.8's function map as Atmos builds it (gomplate.CreateFuncs; read from
 * hairyhenderson/gomplate funcs/*.go at that tag): its namespaces, and its top-level functions that
 * Sprig does not also define (Atmos assigns Sprig after gomplate, so Sprig's `title`, `env`, `add`,
 * ... win). tfwrap implements none of them: a use is E_UNSUPPORTED naming it.
 */
const gomplateNamespaces = new Set(['aws', 'base64', 'coll', 'conv', 'crypto', 'data', 'env', 'file', 'filepath', 'gcp', 'math', 'net', 'path', 'random', 'regexp', 'sockaddr', 'strings', 'test', 'time', 'uuid']);
const gomplateFunctions = new Set([
  'datasource', 'ds', 'datasourceExists', 'datasourceReachable', 'defineDatasource', 'include', 'listDatasources',
  'json', 'jsonArray', 'yaml', 'yamlArray', 'toml', 'csv', 'csvByRow', 'csvByColumn', 'toJSON', 'toJSONPretty', 'toYAML', 'toTOML', 'toCSV',
  'ec2meta', 'ec2dynamic', 'ec2tag', 'ec2tags', 'ec2region', 'replaceAll', 'toUpper', 'toLower', 'trimSpace', 'shellQuote', 'splitN',
  'getenv', 'urlParse', 'bool', 'rem', 'pow', 'assert', 'kind', 'isKind', 'sort', 'jsonpath', 'flatten',
]);
/** Atmos functions tfwrap does not have. */
const unsupportedAtmosFunctions = new Set(['atmos.Store', 'atmos.GomplateDatasource', 'atmos.Resolve']);

/**
 * The gomplate function a template error is about, as written (`strings.ToUpper`, `datasource "ip"`),
 * or undefined. Found in the template's text at the error's line: the engine names only the
 * namespace (`function "strings" not defined`), and Sprig's `env` shadows gomplate's namespace, so
 * `env.Getenv "X"` fails as a call of Sprig's `env` with no argument.
 */
function gomplateUse(err: GoTemplate.TemplateError, text: string | undefined): string | undefined {
  const missing = undefinedFunction(err);
  const shadowedEnv = /at <env>: wrong number of args for env: want 1 got 0/.test(err.message) ? 'env' : undefined;
  const name = missing ?? shadowedEnv;
  if (name === undefined || !(gomplateNamespaces.has(name) || gomplateFunctions.has(name))) return undefined;
  const line = text === undefined || err.line === undefined ? '' : text.split('\n')[err.line - 1] ?? '';
  // Names are identifiers: nothing to escape.
  const written = gomplateNamespaces.has(name) ? new RegExp(`\\b${name}\\.[A-Za-z_][A-Za-z0-9_]*`).exec(line)?.[0]
    : new RegExp(`\\b${name}\\s+("[^"]*"|\`[^\`]*\`)`).exec(line)?.[0];
  return written ?? name;
}

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
  /**
   * Whether Atmos offers gomplate's functions here (default true: imports, name_template, import
   * paths; the component pass only with gomplate.enabled; locals never). Where it does, a gomplate
   * function is E_UNSUPPORTED; where it does not, Atmos's own "not defined" error, with a hint.
   */
  gomplate?: boolean;
  /** Extra functions (the `atmos` namespace). */
  funcs?: Record<string, GoTemplate.TemplateFunction>;
  /** Where the template is, for messages: `file` and a line offset, or a description. */
  where: { file?: string; line?: number; what: string };
  /** An error a function raised that should win over the template's own wording. */
  raised?: { error?: Error };
  /** The text already parsed with these options (renderText's cache). */
  parsed?: GoTemplate.Template;
}

const parsedByText = new Map<string, GoTemplate.Template>();

/** Render `text`; a template error is a one-line TfwrapError naming the file (and line) and what. */
export function render(text: string, data: unknown, options: RenderOptions): string {
  const go = templateEngine();
  try {
    // name_template and workspace templates are the same text for every stack: parsed once.
    let template = options.parsed;
    const key = template !== undefined || options.funcs !== undefined ? undefined
      : `${options.name}\0${options.missingKey}\0${options.sprig}\0${options.delimiters.join('\0')}\0${text}`;
    if (key !== undefined) template = parsedByText.get(key);
    if (!template) {
      template = go.parse(options.name, text, { funcs: options.funcs, delims: options.delimiters, sprig: options.sprig, missingKey: options.missingKey });
      if (key !== undefined && parsedByText.size < 10_000) parsedByText.set(key, template);
    }
    return template.execute(data, { missingKey: options.missingKey });
  } catch (err) {
    throw templateProblem(err, text, options);
  }
}

/** A thrown template error as tfwrap reports it (anything else unchanged). */
function templateProblem(err: unknown, text: string, options: RenderOptions): unknown {
  {
    if (options.raised?.error) return options.raised.error;
    if (!isTemplateError(err)) return err;
    const missing = undefinedFunction(err);
    const location = options.where.file === undefined ? undefined
      : { file: options.where.file, line: options.where.line ?? (err.line === undefined ? undefined : err.line) };
    const gomplate = gomplateUse(err, text);
    if (gomplate !== undefined && options.gomplate !== false) {
      return new TemplateProblem('E_UNSUPPORTED', `gomplate function '${gomplate}' (${options.where.what}) is not supported by tfwrap`, {
        location, hint: 'tfwrap has Go text/template, Sprig and atmos.Component, not gomplate: compute the value with a Sprig function (upper, env, ...) or write it out',
      });
    }
    // The engine says `at <atmos>: Store is not a method ...` (or can't evaluate field Store).
    const atmosMember = /at <atmos>: (?:([A-Za-z]+) is not a method|can't evaluate field ([A-Za-z]+))/.exec(err.message);
    const atmosFunction = atmosMember ? `atmos.${atmosMember[1] ?? atmosMember[2]}` : undefined;
    if (atmosFunction !== undefined && unsupportedAtmosFunctions.has(atmosFunction)) {
      const line = text.split('\n')[(err.line ?? 1) - 1] ?? '';
      const written = new RegExp(`${atmosFunction.replace('.', '\\.')}(\\s+"[^"]*")?`).exec(line)?.[0] ?? atmosFunction;
      return new TemplateProblem('E_UNSUPPORTED', `Go template function '${written}' (${options.where.what}) is not supported by tfwrap`, {
        location, hint: 'tfwrap has atmos.Component only: write the value out, or read it with a YAML function such as !store',
      });
    }
    if (gomplate !== undefined) {
      return new TemplateProblem('E_STACK_INVALID', `Go template error in ${options.where.what}: ${err.message}`, {
        location, hint: options.name === 'locals' ? `'${gomplate}' is a gomplate function, which Atmos does not offer in locals (Sprig only)`
          : `'${gomplate}' is a gomplate function: Atmos offers it here only with templates.settings.gomplate.enabled, and tfwrap does not implement gomplate`,
      });
    }
    return new TemplateProblem('E_STACK_INVALID', `Go template error in ${options.where.what}: ${err.message}`, {
      location,
      hint: missing !== undefined && !options.sprig && !options.name.startsWith('name') ? `'${missing}' may be a Sprig function: set templates.settings.sprig.enabled: true in atmos.yaml`
        : /map has no entry for key/.test(err.message) ? 'give the key a value in the import\'s context:, or set ignore_missing_template_values: true on the import'
        : undefined,
    });
  }
}

// --- the component section pass -------------------------------------------------------------

/** The `atmos` namespace of the render under way (templates are parsed once, rendered for many components). */
let currentAtmos: object = {};

export interface SectionRenderOptions {
  settings: TemplatesSettings;
  /** The `atmos` namespace for this component (`atmos.Component`). */
  atmos: object;
  raised: { error?: Error };
  /** `component 'vpc' of stack 'dev'`. */
  what: string;
  /** Where a failing template was written: the file and line holding its text, if found. */
  locate: (templateText: string) => { file: string; line?: number } | undefined;
  /** What templates read, when not the section itself (the section with its deferred merges merged). */
  data?: Mapping;
}

/** Parsed templates by options (Sprig, delimiters), then text: a catalog's templates are the same text in every stack. */
const parsedTemplates = new Map<string, Map<string, GoTemplate.Template>>();

/**
 * The component section after Atmos's templates-all-atmos-sections pass, or undefined when it
 * holds no template (nothing to do; the engine is not loaded).
 *
 * Atmos writes the whole section as YAML, renders that text with the section as data and parses
 * it back. A manifest was YAML before this pass, so every action sits inside one scalar (a value
 * or a key): here each such scalar is written as YAML on its own, rendered, and parsed back, which
 * gives the same values (a quoted scalar stays a string, `{{ 3 }}` unquoted becomes 3) without
 * writing, rendering and parsing the whole section for every component. `evaluations` renders a
 * scalar again while it still holds a template. Functions (`!template '{{ ... }}'`) keep their tag,
 * file and line, their text rendered. What holds no template is handed back as it is (not copied):
 * `tfwrap validate` renders a hundred thousand sections.
 */
export function renderSection(section: Mapping, options: SectionRenderOptions): Mapping | undefined {
  const { settings } = options;
  const delimiters = settings.delimiters;
  const renderScalar = (text: string): unknown => {
    let yaml = scalarYaml(text);
    for (let i = 0; i < Math.max(1, settings.evaluations) && hasTemplate(yaml, delimiters); i++) yaml = renderText(yaml, options.data ?? section, options);
    // A single-quoted scalar with no quote or line break inside reads back as its text: skip the parser.
    if (yaml.length >= 3 && yaml.startsWith('\'') && yaml.endsWith('\'\n') && !/['\n]/.test(yaml.slice(1, -2))) return yaml.slice(1, -2);
    try {
      return jsYaml.load(yaml);
    } catch (err) {
      throw new TemplateProblem('E_STACK_INVALID', `the Go template ${JSON.stringify(text)} of ${options.what} renders to text that is not YAML: ${(err as Error).message.split('\n')[0]}`, {
        location: options.locate(text), hint: 'a template must render a value that fits where it stands: quote it, or render a whole value with toJson',
      });
    }
  };
  const delimitersKey = delimiters.join('\0');
  /** Whether the walk so far met a template (a container holding none is remembered as free of them). */
  let sawTemplate = false;
  // Each container is copied only when something in it was rendered.
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!hasTemplate(value, delimiters)) return value;
      sawTemplate = true;
      return renderScalar(value);
    }
    if (value === null || typeof value !== 'object' || value instanceof Date) return value;
    if (templateFree.get(value) === delimitersKey) return value;
    const outer = sawTemplate;
    sawTemplate = false;
    const walked = walkContainer(value);
    if (!sawTemplate) templateFree.set(value, delimitersKey);
    sawTemplate ||= outer;
    return walked;
  };
  const walkContainer = (value: object): unknown => {
    // Atmos renders the functions of a deferred merge (TemplateAwareYAMLProcessor) but merges the
    // other layers' values as they were before the templates pass (merge_yaml_functions.go).
    if (value instanceof DeferredMerge) {
      const walked = value.map((part) => (part instanceof AtmosTag || part instanceof DeferredMerge ? walk(part) : part));
      return walked.parts().every((part, index) => part === value.parts()[index]) ? value : walked;
    }
    if (value instanceof AtmosTag) {
      if (!hasTemplate(value.argument, delimiters)) return value;
      sawTemplate = true;
      const rendered = renderScalar(value.argument);
      const tag = new AtmosTag(value.tag, typeof rendered === 'string' ? rendered : JSON.stringify(rendered), value.file);
      tag.line = value.line;
      return tag;
    }
    if (Array.isArray(value)) {
      let result: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const walked = walk(item);
        if (walked !== item) result ??= value.slice();
        if (result) result[i] = walked;
      }
      return result ?? value;
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    let result: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const item = record[key];
      const walked = walk(item);
      const keyHasTemplate = hasTemplate(key, delimiters);
      sawTemplate ||= keyHasTemplate;
      const renderedKey = keyHasTemplate ? String(renderScalar(key)) : key;
      if (result === undefined && (walked !== item || renderedKey !== key)) {
        result = {};
        for (let j = 0; j < i; j++) setKey(result, keys[j]!, record[keys[j]!]);
      }
      if (result) setKey(result, renderedKey, walked);
    }
    return result ?? value;
  };
  const rendered = walk(section) as Mapping;
  return rendered === section ? undefined : rendered;
}

function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Mappings and lists known to hold no template, by the delimiters they were checked for: merged
 * sections share the values they take whole (merge.ts), so a catalog's hooks or tags are walked
 * once, not once per component. Parsed and merged data is never modified in place.
 */
const templateFree = new WeakMap<object, string>();

/** A scalar written as YAML on its own (once per text: a catalog's templates recur in every stack). */
const scalarYamls = new Map<string, string>();
function scalarYaml(text: string): string {
  let yaml = scalarYamls.get(text);
  if (yaml === undefined) {
    yaml = jsYaml.dump(text, { lineWidth: -1 });
    if (scalarYamls.size < 10_000) scalarYamls.set(text, yaml);
  }
  return yaml;
}

function renderText(text: string, data: Mapping, options: SectionRenderOptions): string {
  const { settings } = options;
  // Atmos sets templates.settings.env (atmos.yaml's, then the component's settings.templates.settings.env)
  // in the environment while it renders (template_utils.go ProcessTmplWithDatasources).
  const env = settings.env && Object.keys(settings.env).length > 0 ? settings.env : undefined;
  const optionsKey = `${settings.sprig}\0${settings.delimiters.join('\0')}${env ? `\0${JSON.stringify(env)}` : ''}`;
  let parsed = parsedTemplates.get(optionsKey);
  if (!parsed) parsedTemplates.set(optionsKey, (parsed = new Map()));
  let template = parsed.get(text);
  try {
    if (!template) {
      template = templateEngine().parse('templates-all-atmos-sections', text, {
        funcs: { atmos: () => currentAtmos }, delims: settings.delimiters, sprig: settings.sprig, missingKey: 'default',
        ...(env ? { env: { ...process.env, ...env } } : {}),
      });
      if (parsed.size < 10_000) parsed.set(text, template);
    }
  } catch (err) {
    if (err instanceof NeedsTemplateEngine) throw err;
    throw problemOf(templateProblem(err, text, {
      name: 'templates-all-atmos-sections', missingKey: 'default', delimiters: settings.delimiters, sprig: settings.sprig, gomplate: settings.gomplate, where: { what: options.what },
    }), text, options);
  }
  const outer = currentAtmos;
  currentAtmos = options.atmos;
  try {
    return render(text, data, {
      name: 'templates-all-atmos-sections', missingKey: 'default', delimiters: settings.delimiters, sprig: settings.sprig, gomplate: settings.gomplate,
      where: { what: options.what }, raised: options.raised, parsed: template,
    });
  } catch (err) {
    throw problemOf(err, text, options);
  } finally {
    currentAtmos = outer; // atmos.Component may render another component in between
  }
}

function problemOf(err: unknown, text: string, options: SectionRenderOptions): unknown {
  if (!(err instanceof TemplateProblem) || err.location !== undefined) {
    if (!isTemplateError(err)) return err;
    return new TemplateProblem('E_STACK_INVALID', `Go template error in ${options.what}: ${err.message}`, { location: options.locate(templateOnLine(text, options.settings.delimiters) ?? text) });
  }
  const origin = options.locate(templateOnLine(text, options.settings.delimiters) ?? text);
  return origin ? new TemplateProblem(err.code, err.message, { location: origin, hint: err.hint }) : err;
}

function templateOnLine(line: string, [left, right]: [string, string]): string | undefined {
  const start = line.indexOf(left);
  const end = line.indexOf(right, start);
  return start >= 0 && end > start ? line.slice(start, end + right.length) : undefined;
}
