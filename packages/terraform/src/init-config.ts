/**
 * What `terraform init` reads from a module's configuration: `terraform` blocks (required_version,
 * required_providers, backend, cloud), `module` calls (source, version; local sources read in turn),
 * `provider` blocks and the providers that resource, data and ephemeral types imply. Everything
 * else in the `.tf` files (resource arguments, variables, outputs) does not change what init does,
 * so editing it does not make tfwrap run init again.
 *
 * This is a scanner, not an HCL parser: it knows strings, heredocs, comments and braces, enough to
 * cut the top-level blocks out exactly. Anything it cannot place is kept whole (more init, never less).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface TopLevelBlock {
  type: string;
  labels: string[];
  /** The whole block, header to closing brace. */
  text: string;
  /** Between the braces. */
  body: string;
}

/** The top-level blocks of an HCL file; `undefined` when the text cannot be scanned (unbalanced). */
export function topLevelBlocks(text: string): TopLevelBlock[] | undefined {
  const blocks: TopLevelBlock[] = [];
  let index = 0;
  const length = text.length;
  while (index < length) {
    index = skipSpaceAndComments(text, index);
    if (index >= length) break;
    const start = index;
    const header = /^([A-Za-z_][\w-]*)((?:[ \t]+(?:"(?:[^"\\\n]|\\.)*"|[A-Za-z_][\w-]*))*)[ \t]*\{/.exec(text.slice(index, index + 1000));
    if (!header) {
      // An attribute or something unexpected at top level: skip to the end of the line, through
      // any brackets or strings it opens.
      const end = skipExpression(text, index);
      if (end === undefined) return undefined;
      index = end;
      continue;
    }
    const labels = [...header[2]!.matchAll(/"((?:[^"\\\n]|\\.)*)"|([A-Za-z_][\w-]*)/g)].map((m) => m[1] ?? m[2]!);
    const open = index + header[0].length - 1;
    const close = matchingBrace(text, open);
    if (close === undefined) return undefined;
    blocks.push({ type: header[1]!, labels, text: text.slice(start, close + 1), body: text.slice(open + 1, close) });
    index = close + 1;
  }
  return blocks;
}

function skipSpaceAndComments(text: string, index: number): number {
  while (index < text.length) {
    const ch = text[index]!;
    if (/\s/.test(ch)) index++;
    else if (ch === '#' || (ch === '/' && text[index + 1] === '/')) index = lineEnd(text, index);
    else if (ch === '/' && text[index + 1] === '*') {
      const end = text.indexOf('*/', index + 2);
      index = end < 0 ? text.length : end + 2;
    } else break;
  }
  return index;
}

function lineEnd(text: string, index: number): number {
  const end = text.indexOf('\n', index);
  return end < 0 ? text.length : end + 1;
}

/** From an opening `{` (or `[`/`(`), the index of its partner; strings, heredocs and comments skipped. */
function matchingBrace(text: string, open: number): number | undefined {
  let depth = 0;
  let index = open;
  while (index < text.length) {
    const ch = text[index]!;
    if (ch === '"') {
      const end = stringEnd(text, index);
      if (end === undefined) return undefined;
      index = end;
      continue;
    }
    if (ch === '<' && text[index + 1] === '<') {
      const heredoc = /^<<-?([A-Za-z_][\w-]*)[ \t]*\n/.exec(text.slice(index, index + 200));
      if (heredoc) {
        const end = new RegExp(`\\n[ \\t]*${heredoc[1]}[ \\t]*(?:\\n|$)`).exec(text.slice(index + heredoc[0].length - 1));
        if (!end) return undefined;
        index += heredoc[0].length - 1 + end.index + end[0].length;
        continue;
      }
    }
    if (ch === '#' || (ch === '/' && text[index + 1] === '/')) {
      index = lineEnd(text, index);
      continue;
    }
    if (ch === '/' && text[index + 1] === '*') {
      const end = text.indexOf('*/', index + 2);
      if (end < 0) return undefined;
      index = end + 2;
      continue;
    }
    if (ch === '{' || ch === '[' || ch === '(') depth++;
    else if (ch === '}' || ch === ']' || ch === ')') {
      depth--;
      if (depth === 0) return index;
    }
    index++;
  }
  return undefined;
}

/** From an opening `"`, the index after the closing one; `${...}` templates may hold strings. */
function stringEnd(text: string, open: number): number | undefined {
  let index = open + 1;
  while (index < text.length) {
    const ch = text[index]!;
    if (ch === '\\') index += 2;
    else if (ch === '"') return index + 1;
    else if ((ch === '$' || ch === '%') && text[index + 1] === '{') {
      const close = matchingBrace(text, index + 1);
      if (close === undefined) return undefined;
      index = close + 1;
    } else if (ch === '\n') return undefined;
    else index++;
  }
  return undefined;
}

/** Past a top-level attribute `name = value` (the value may span lines inside brackets). */
function skipExpression(text: string, index: number): number | undefined {
  while (index < text.length) {
    const ch = text[index]!;
    if (ch === '\n') return index + 1;
    if (ch === '"') {
      const end = stringEnd(text, index);
      if (end === undefined) return undefined;
      index = end;
    } else if (ch === '{' || ch === '[' || ch === '(') {
      const close = matchingBrace(text, index);
      if (close === undefined) return undefined;
      index = close + 1;
    } else index++;
  }
  return index;
}

/** A body's attribute written as a plain string: `source = "./modules/x"`. */
function stringAttribute(body: string, name: string): string | undefined {
  const match = new RegExp(`^[ \\t]*${name}[ \\t]*=[ \\t]*"((?:[^"\\\\\\n]|\\\\.)*)"`, 'm').exec(body);
  return match?.[1];
}

/** A body's attribute as its raw expression text: `provider = aws.west`. */
function rawAttribute(body: string, name: string): string | undefined {
  return new RegExp(`^[ \\t]*${name}[ \\t]*=[ \\t]*([^\\n#]*)`, 'm').exec(body)?.[1]?.trim();
}

/** Whether a module source is a local directory (Terraform: starts with ./ or ../). */
function isLocalSource(source: string): boolean {
  return source.startsWith('./') || source.startsWith('../') || source.startsWith('.\\') || source.startsWith('..\\');
}

/** The init-relevant parts of one module directory, as lines; local module sources followed. */
export interface InitConfig {
  /** Text that changes exactly when init would do something different. */
  lines: string[];
  /** Names of the module calls in the root module (each needs an entry in modules.json). */
  moduleCalls: string[];
}

const RESOURCE_BLOCKS = new Set(['resource', 'data', 'ephemeral']);

/** Read the `.tf` and `.tf.json` files of `dir` and, recursively, of the local modules it calls. */
export function initConfig(dir: string): InitConfig {
  const lines: string[] = [];
  const moduleCalls: string[] = [];
  const seen = new Set<string>();
  const visit = (moduleDir: string, label: string, root: boolean) => {
    const resolved = path.resolve(moduleDir);
    if (seen.has(resolved)) return;
    seen.add(resolved);
    let names: string[];
    try {
      names = readdirSync(resolved).filter((name) => name.endsWith('.tf') || name.endsWith('.tf.json')).sort();
    } catch {
      lines.push(`${label}: missing`);
      return;
    }
    for (const name of names) {
      const file = path.join(resolved, name);
      if (!statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
      const text = readFileSync(file, 'utf8');
      const where = `${label}/${name}`;
      const calls = name.endsWith('.json') ? fromJson(text, where, lines) : fromHcl(text, where, lines);
      for (const call of calls) {
        if (root) moduleCalls.push(call.name);
        if (call.source !== undefined && isLocalSource(call.source)) visit(path.join(resolved, call.source), `${label}/${call.source}`, false);
      }
    }
  };
  visit(dir, '.', true);
  return { lines, moduleCalls };
}

interface ModuleCall {
  name: string;
  source?: string;
}

function fromHcl(text: string, where: string, lines: string[]): ModuleCall[] {
  const blocks = topLevelBlocks(text);
  if (!blocks) {
    // Cannot be cut into blocks: the whole file counts (Terraform will complain about it anyway).
    lines.push(`${where}: ${digest(text)}`);
    return [];
  }
  const calls: ModuleCall[] = [];
  for (const block of blocks) {
    if (block.type === 'terraform' || block.type === 'module') lines.push(`${where}: ${block.text}`);
    if (block.type === 'module') calls.push({ name: block.labels[0] ?? '', source: stringAttribute(block.body, 'source') });
    if (block.type === 'provider') lines.push(`${where}: provider ${block.labels[0]}`);
    if (RESOURCE_BLOCKS.has(block.type)) lines.push(`${where}: uses ${impliedProvider(block.labels[0] ?? '', rawAttribute(block.body, 'provider'))}`);
    if (block.type === 'check') {
      for (const nested of block.body.matchAll(/^[ \t]*data[ \t]+"([^"]+)"/gm)) lines.push(`${where}: uses ${impliedProvider(nested[1]!, undefined)}`);
    }
  }
  return calls;
}

function fromJson(text: string, where: string, lines: string[]): ModuleCall[] {
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(text) as Record<string, unknown>;
  } catch {
    lines.push(`${where}: ${digest(text)}`);
    return [];
  }
  const calls: ModuleCall[] = [];
  for (const key of ['terraform', 'module', 'provider']) {
    if (document[key] !== undefined) lines.push(`${where}: ${key} ${JSON.stringify(document[key])}`);
  }
  for (const [name, value] of Object.entries(asRecord(document.module))) {
    for (const call of Array.isArray(value) ? value : [value]) {
      const source = asRecord(call).source;
      calls.push({ name, source: typeof source === 'string' ? source : undefined });
    }
  }
  for (const kind of RESOURCE_BLOCKS) {
    for (const [type, instances] of Object.entries(asRecord(document[kind]))) {
      const providers = Object.values(asRecord(instances)).flatMap((v) => (Array.isArray(v) ? v : [v])).map((v) => asRecord(v).provider);
      for (const provider of providers.length ? providers : [undefined]) lines.push(`${where}: uses ${impliedProvider(type, typeof provider === 'string' ? provider : undefined)}`);
    }
  }
  return calls;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** `aws_s3_bucket` → `aws`; an explicit `provider = aws.west` → `aws`. */
function impliedProvider(type: string, provider: string | undefined): string {
  if (provider) return provider.replace(/^"|"$/g, '').split('.')[0]!;
  return type.split('_')[0]!;
}

export function digest(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
