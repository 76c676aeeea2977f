/**
 * YAML reading for configuration and stack manifests, bounded against hostile input.
 *
 * Parsing uses js-yaml, which is about three times cheaper to import than `yaml` and keeps start-up
 * fast. js-yaml has no limit on alias expansion, though: a few hundred bytes of nested aliases
 * ("billion laughs") become billions of nodes for whoever walks the result. So a document that
 * declares an anchor is parsed by `yaml` instead, whose `maxAliasCount` bounds the expansion (its
 * schema is set to match js-yaml's default one: merge keys, timestamps). Every document is also
 * capped in size and in nesting depth. Positions of nodes in a valid file are only needed when
 * something is wrong with it, so `yaml` (which keeps a position for every node) is loaded lazily.
 */
import { readFileSync } from 'node:fs';
import jsYaml from 'js-yaml';
import { TfwrapError, oneLine, type SourceLocation } from './errors.js';
import { nodeModule } from './lazy-builtins.js';

/** The bounds every YAML document tfwrap reads is held to. */
export const YAML_LIMITS = {
  /** A configuration file or manifest is a few KiB; a larger one is a mistake or an attack. */
  maxBytes: 4 * 1024 * 1024,
  /** Deeper than any real configuration; far below what overflows the stack. */
  maxDepth: 64,
  /** `yaml`'s own measure: aliases times the nodes each brings (its default, 100, is strict). */
  maxAliasCount: 10_000,
} as const;

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;
/** `yaml`, loaded on first use only (synchronously: parsing is synchronous). */
function yamlLib(): YamlModule {
  return (yamlModule ??= nodeModule().createRequire(import.meta.url)('yaml') as YamlModule);
}

/** An anchor (`&name`) at the start of a node: without one, a document can hold no alias. */
const ANCHOR = /(?:^|[\s[{,])&[^\s,[\]{}]/m;

/** What a reader may add to plain YAML: its own tags (Atmos's functions) and a node listener. */
export type YamlParseOptions = Pick<jsYaml.LoadOptions, 'schema' | 'listener'>;

/** Parse YAML text; a syntax error or a limit passed becomes E_CONFIG_SYNTAX naming the file and line. */
export function parseYaml(text: string, file: string, options: YamlParseOptions = {}): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > YAML_LIMITS.maxBytes) {
    throw new TfwrapError('E_CONFIG_SYNTAX', `YAML file is ${(bytes / 1024 / 1024).toFixed(1)} MiB, more than the ${YAML_LIMITS.maxBytes / 1024 / 1024} MiB tfwrap reads`, {
      location: { file },
      hint: 'split it, or check that this is the file you meant',
    });
  }
  if (ANCHOR.test(text)) {
    const value = parseWithAliases(text, file);
    if (!options.schema && !options.listener) return value;
    // Bounded by now; js-yaml again for the reader's own tags (its aliases share objects, so this
    // expands nothing).
  }
  return parseSimple(text, file, options);
}

/**
 * Whether parsed data (from JSON or HCL, which have no depth bound of their own here) nests deeper
 * than `max` mappings and lists: the same bound as a YAML document's, so that what walks it later
 * recursively cannot overflow. Measured without recursion.
 */
export function exceedsDepth(value: unknown, max: number = YAML_LIMITS.maxDepth): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= max) return true;
    for (const item of Array.isArray(current) ? current : Object.values(current)) pending.push([item, depth + 1]);
  }
  return false;
}

function tooDeep(location: SourceLocation): TfwrapError {
  return new TfwrapError('E_CONFIG_SYNTAX', `YAML nested more than ${YAML_LIMITS.maxDepth} levels deep`, { location, hint: 'flatten the structure around that line' });
}

class DepthExceeded extends Error {
  constructor(readonly line: number) {
    super('too deep');
  }
}

function parseSimple(text: string, file: string, options: YamlParseOptions = {}): unknown {
  let depth = 0;
  try {
    return jsYaml.load(text, {
      filename: file,
      schema: options.schema,
      // js-yaml calls this around every node it composes: the nesting depth, without a second walk.
      listener(event, state) {
        options.listener?.call(this, event, state);
        if (event === 'close') depth--;
        else if (++depth > YAML_LIMITS.maxDepth) throw new DepthExceeded(state.line + 1);
      },
    });
  } catch (err) {
    if (err instanceof DepthExceeded) throw tooDeep({ file, line: err.line });
    if (err instanceof RangeError) throw tooDeep({ file });
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    const reason = (err as { reason?: string }).reason ?? (err as Error).message;
    throw new TfwrapError('E_CONFIG_SYNTAX', `YAML syntax error: ${oneLine(reason)}`, {
      location: mark ? { file, line: mark.line + 1, column: mark.column + 1 } : { file },
      hint: 'check indentation and quoting around that line',
    });
  }
}

/** A document with anchors: `yaml`, with its alias expansion bounded. */
function parseWithAliases(text: string, file: string): unknown {
  const { parseDocument, LineCounter, visit, isAlias } = yamlLib();
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined): SourceLocation => {
    if (offset === undefined) return { file };
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  let doc;
  try {
    doc = parseDocument(text, { lineCounter, merge: true, customTags: ['timestamp', 'binary', 'omap', 'pairs', 'set'], prettyErrors: false });
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep({ file });
    throw err;
  }
  const error = doc.errors[0];
  // `yaml` reports its own stack overflow (a flow collection nested thousands deep) as an error.
  if (error && /call stack/i.test(error.message)) throw tooDeep(at(error.pos[0]));
  if (error) {
    throw new TfwrapError('E_CONFIG_SYNTAX', `YAML syntax error: ${oneLine(error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, ''))}`, {
      location: at(error.pos[0]),
      hint: 'check indentation and quoting around that line',
    });
  }
  let deepest: number | undefined;
  visit(doc, (_key, node, path) => {
    // The path holds the document, then each collection and pair on the way down.
    if (path.length / 2 > YAML_LIMITS.maxDepth && (node as { range?: [number] }).range) {
      deepest = (node as { range: [number] }).range[0];
      return visit.BREAK;
    }
    return undefined;
  });
  if (deepest !== undefined) throw tooDeep(at(deepest));
  try {
    return doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
  } catch (err) {
    if (!(err instanceof ReferenceError || err instanceof RangeError)) throw err;
    let firstAlias: number | undefined;
    visit(doc, (_key, node) => {
      if (isAlias(node)) {
        firstAlias = node.range?.[0];
        return visit.BREAK;
      }
      return undefined;
    });
    const unknown = /^Unresolved alias/.test(err.message);
    throw new TfwrapError('E_CONFIG_SYNTAX', unknown ? `YAML syntax error: ${oneLine(err.message)}` : 'YAML aliases expand to too many nodes (an alias bomb?)', {
      location: at(firstAlias),
      hint: unknown ? 'define the anchor (&name) before its alias (*name)' : `aliases may bring at most ${YAML_LIMITS.maxAliasCount} nodes in all; write the values out, or use imports and inheritance`,
    });
  }
}

export type YamlPath = ReadonlyArray<string | number>;

/**
 * Where the node at `path` stands in a YAML file. Falls back to the nearest ancestor that exists,
 * then to the file alone. Reads the file again: only used when reporting an error.
 */
/** The documents located in last, parsed with positions (a few: problems come file by file). */
const locatedDocuments = new Map<string, { source: string; lineCounter: import('yaml').LineCounter; doc: import('yaml').Document.Parsed }>();

export async function locateInYaml(file: string, path: YamlPath, text?: string): Promise<SourceLocation> {
  let source: string;
  try {
    source = text ?? readFileSync(file, 'utf8');
  } catch {
    return { file };
  }
  if (Buffer.byteLength(source, 'utf8') > YAML_LIMITS.maxBytes) return { file };
  const { parseDocument, LineCounter, isNode } = await import('yaml');
  // Many problems in one file (a thousand components each too deep) each ask here: one parse per text.
  let parsed = locatedDocuments.get(file);
  if (parsed?.source !== source) {
    const lineCounter = new LineCounter();
    parsed = { source, lineCounter, doc: parseDocument(source, { lineCounter, keepSourceTokens: false }) };
    if (locatedDocuments.size >= 8) locatedDocuments.delete(locatedDocuments.keys().next().value!);
    locatedDocuments.set(file, parsed);
  }
  const { doc, lineCounter } = parsed;
  // A loaded mapping's keys are strings: `1:` (Atmos's depends_on entries) is the number 1 in the document.
  const keys: Array<string | number> = [];
  for (const segment of path) {
    const parent = doc.getIn(keys, true);
    const numeric = typeof segment === 'string' && isNode(parent) && 'items' in parent && !doc.hasIn([...keys, segment])
      && (parent.items as Array<{ key?: unknown }>).some((item) => !isNode(item) && isNode(item.key) && 'value' in item.key && typeof item.key.value === 'number' && String(item.key.value) === segment);
    keys.push(numeric ? Number(segment) : segment);
  }
  path = keys;
  for (let depth = path.length; depth > 0; depth--) {
    const prefix = path.slice(0, depth);
    // Prefer the key's position for mappings: "vars.region" points at `region:`.
    const parent = doc.getIn(prefix.slice(0, -1), true);
    const key = prefix[prefix.length - 1];
    const pair = isNode(parent) && 'items' in parent
      ? (parent.items as Array<{ key?: unknown; value?: unknown }>).find((item, index) =>
          isNode(item) ? index === key : isNode(item.key) && 'value' in item.key ? item.key.value === key : false)
      : undefined;
    const node = pair && !isNode(pair) && isNode(pair.key) ? pair.key : doc.getIn(prefix, true);
    if (isNode(node) && node.range) {
      const { line, col } = lineCounter.linePos(node.range[0]);
      return { file, line, column: col };
    }
  }
  return { file };
}

/**
 * YAML text for a command's output (`describe ... --format yaml`), with js-yaml, which parsing
 * has loaded already: `yaml` would add a quarter of the JavaScript a describe compiles. A value
 * seen twice is written out twice (no anchors), undefined entries are left out, lines are not
 * folded.
 */
export function stringifyYaml(value: unknown): string {
  return jsYaml.dump(value, { noRefs: true, skipInvalid: true, lineWidth: -1 });
}
