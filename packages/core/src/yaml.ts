/**
 * YAML reading for configuration and stack manifests.
 *
 * Parsing uses js-yaml, which is about three times cheaper to import than `yaml` and keeps start-up
 * fast. Positions of nodes in a valid file are only needed when something is wrong with it, so the
 * `yaml` package (which keeps a position for every node) is imported lazily, by `locateInYaml`.
 */
import { readFileSync } from 'node:fs';
import jsYaml from 'js-yaml';
import { TfwrapError, oneLine, type SourceLocation } from './errors.js';

/** Parse YAML text; a syntax error becomes E_CONFIG_SYNTAX naming the file, line and column. */
export function parseYaml(text: string, file: string, options: Pick<jsYaml.LoadOptions, 'schema' | 'listener'> = {}): unknown {
  try {
    return jsYaml.load(text, { ...options, filename: file });
  } catch (err) {
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    const reason = (err as { reason?: string }).reason ?? (err as Error).message;
    throw new TfwrapError('E_CONFIG_SYNTAX', `YAML syntax error: ${oneLine(reason)}`, {
      location: mark ? { file, line: mark.line + 1, column: mark.column + 1 } : { file },
      hint: 'check indentation and quoting around that line',
    });
  }
}

/** Read and parse a YAML file. */
export function readYamlFile(file: string): unknown {
  return parseYaml(readFileSync(file, 'utf8'), file);
}

export type YamlPath = ReadonlyArray<string | number>;

/**
 * Where the node at `path` stands in a YAML file. Falls back to the nearest ancestor that exists,
 * then to the file alone. Reads the file again: only used when reporting an error.
 */
export async function locateInYaml(file: string, path: YamlPath, text?: string): Promise<SourceLocation> {
  let source: string;
  try {
    source = text ?? readFileSync(file, 'utf8');
  } catch {
    return { file };
  }
  const { parseDocument, LineCounter, isNode } = await import('yaml');
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, keepSourceTokens: false });
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
