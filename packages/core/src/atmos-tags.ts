/**
 * Atmos's YAML function tags (`!env`, `!exec`, `!include`, `!terraform.output`, ...), read as
 * placeholders so that a manifest or an `atmos.yaml` using them still parses. Each placeholder keeps
 * its tag, its argument text and its line; what to do with it is decided by whoever reads the
 * document (the stacks package evaluates the functions it supports and reports the others).
 */
import jsYaml from 'js-yaml';
import { parseYaml } from './yaml.js';

/** The tags Atmos defines (pkg/utils/yaml_utils.go). Any other `!tag` is a syntax error. */
export const atmosTagNames = [
  '!env', '!exec', '!include', '!include.raw', '!repo-root', '!template', '!terraform.output',
  '!terraform.state', '!store', '!store.get', '!secret', '!cel', '!append', '!cwd', '!unset',
  '!random', '!literal', '!aws.account_id', '!aws.caller_identity_arn', '!aws.caller_identity_user_id',
  '!aws.region', '!aws.organization_id', '!emulator', '!version', '!tags', '!labels', '!labels.keys',
  '!labels.values', '!git.root', '!git.sha', '!git.branch', '!git.ref', '!git.repository', '!git.owner',
  '!git.name', '!git.host', '!git.url',
] as const;

/**
 * One tagged value: `!env HOME` is `{ tag: '!env', argument: 'HOME' }`. Where it was written
 * (`file`, `line`) is not enumerable: two markers are equal (isDeepStrictEqual, JSON) when they say
 * the same thing, wherever the checkout is (describe affected compares two revisions).
 */
export class AtmosTag {
  /** 1-based line of the value in `file`, when known. */
  declare line?: number;
  declare readonly file: string;
  constructor(readonly tag: string, readonly argument: string, file: string) {
    Object.defineProperty(this, 'file', { value: file, enumerable: false });
    Object.defineProperty(this, 'line', { value: undefined, enumerable: false, writable: true });
  }

  /** `file:line` for messages. */
  where(): string {
    return this.line === undefined ? this.file : `${this.file}:${this.line}`;
  }
}

let currentFile = '';
const atmosSchema = jsYaml.DEFAULT_SCHEMA.extend(
  atmosTagNames.map((tag) => new jsYaml.Type(tag, {
    kind: 'scalar',
    construct: (data: unknown) => new AtmosTag(tag, data === null || data === undefined ? '' : String(data as string | number | boolean).trim(), currentFile),
  })),
);

/**
 * Parse YAML in which Atmos's tags may appear; they come out as AtmosTag objects (with lines). An
 * unknown tag is the usual E_CONFIG_SYNTAX error naming the tag, the file and the line.
 */
export function parseAtmosYaml(text: string, file: string): unknown {
  // Cheap test first: a document with no `!` cannot hold a tag; keep the plain path for it.
  if (!text.includes('!')) return parseYaml(text, file);
  currentFile = file;
  // A node's line is where it opened: at its close the reader may be past the line's end.
  const openedAt: number[] = [];
  return parseYaml(text, file, {
    schema: atmosSchema,
    listener(event, state) {
      if (event === 'open') openedAt.push(state.line);
      else {
        const line = openedAt.pop() ?? state.line;
        if (state.result instanceof AtmosTag && state.result.line === undefined) state.result.line = line + 1;
      }
    },
  });
}

/** Every AtmosTag inside a parsed value, in document order. */
export function findAtmosTags(value: unknown, found: AtmosTag[] = []): AtmosTag[] {
  if (value instanceof AtmosTag) found.push(value);
  else if (Array.isArray(value)) for (const item of value) findAtmosTags(item, found);
  else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const item of Object.values(value)) findAtmosTags(item, found);
  }
  return found;
}
