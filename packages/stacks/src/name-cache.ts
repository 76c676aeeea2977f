/**
 * Stack names derived from `stacks.name_template` / `name_pattern`, kept between runs.
 *
 * Under a template or pattern a stack's name comes from its vars, so finding stack `plat-dev`
 * means reading every stack manifest's import closure (Atmos does the same on every run). The names
 * do not change unless a file they came from changes: each entry records the files of the
 * closure and their directories (an import glob meets new files there) with mtime and size, and
 * is used only while all of them are unchanged. A stack whose closure uses `!env`, `!exec`,
 * `!include` or reads the environment in a template is not kept. The cache is one JSON file per
 * stacks directory and naming settings, 0600 in a 0700 directory under tfwrap's cache directory;
 * any problem reading or writing it is the same as no cache.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface CachedName {
  /** The name, or undefined when the manifest is not a stack (it defines no component). */
  name?: string;
  byPath: boolean;
}

interface Entry extends CachedName {
  /** [path, mtimeMs, size] of every file and directory the name came from. */
  deps: Array<[string, number, number]>;
}

export class StackNameCache {
  private entries: Record<string, Entry> = {};
  private changed = false;
  private readonly stats = new Map<string, [number, number] | null>();

  constructor(private readonly file: string) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: number; entries?: Record<string, Entry> };
      if (parsed.version === 1 && parsed.entries && typeof parsed.entries === 'object') this.entries = parsed.entries;
    } catch {
      // no cache yet, or an unreadable one: start empty
    }
  }

  /** The cache file for a stacks directory and its naming settings, under `cacheDir`. */
  static fileFor(cacheDir: string, key: unknown): string {
    return path.join(cacheDir, 'stack-names', `${createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 32)}.json`);
  }

  lookup(stackFile: string): CachedName | undefined {
    const entry = this.entries[stackFile];
    if (!entry || !Array.isArray(entry.deps)) return undefined;
    for (const [dep, mtime, size] of entry.deps) {
      const now = this.stat(dep);
      if (!now || now[0] !== mtime || now[1] !== size) return undefined;
    }
    return { name: entry.name, byPath: entry.byPath };
  }

  store(stackFile: string, value: CachedName, files: readonly string[]): void {
    const deps: Array<[string, number, number]> = [];
    for (const dep of new Set([...files, ...files.map((file) => path.dirname(file))])) {
      const now = this.stat(dep);
      if (!now) return;
      deps.push([dep, now[0], now[1]]);
    }
    this.entries[stackFile] = { ...value, deps };
    this.changed = true;
  }

  /** Write the cache if anything was added; a failure is ignored (the next run recomputes). */
  save(): void {
    if (!this.changed) return;
    this.changed = false;
    const dir = path.dirname(this.file);
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      writeFileSync(temp, JSON.stringify({ version: 1, entries: this.entries }), { mode: 0o600, flag: 'wx' });
      renameSync(temp, this.file);
    } catch {
      rmSync(temp, { force: true });
    }
  }

  private stat(file: string): [number, number] | null {
    let known = this.stats.get(file);
    if (known === undefined) {
      const stat = statSync(file, { throwIfNoEntry: false });
      known = stat ? [stat.mtimeMs, stat.isDirectory() ? 0 : stat.size] : null;
      this.stats.set(file, known);
    }
    return known;
  }
}
