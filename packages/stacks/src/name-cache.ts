/**
 * Stack names derived from `stacks.name_template` / `name_pattern`, kept between runs.
 *
 * Under a template or pattern a stack's name comes from its vars, so finding stack `plat-dev`
 * means reading every stack manifest's import closure (Atmos does the same on every run). The names
 * do not change unless a file they came from changes: each entry records the files of the
 * closure and their directories with mtime and size, and the listing of every import glob of the
 * closure (a file new under `catalog/**` may sit in a directory no merged file is in), and is
 * used only while all of them are unchanged. A stack whose closure uses `!env`, `!exec`,
 * `!include` or reads the environment in a template is not kept. A manifest that declares
 * `name:` is kept too, on its own file's stamp, so that a run with a warm cache reads no manifest.
 * The cache is one JSON file per stacks directory and naming settings, 0600 in a 0700 directory
 * under tfwrap's cache directory; any problem reading or writing it (a directory that is not the
 * user's alone, too) is the same as no cache.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkPrivateDir, ensurePrivateDir } from '@tfwrap/core';

export interface CachedName {
  /** The name, or undefined when the manifest is not a stack (it defines no component). */
  name?: string;
  byPath: boolean;
}

interface Entry extends CachedName {
  /** Indexes into `deps`: every file, directory and import glob the name came from. */
  deps: number[];
}

/** An import glob as a dependency: its directory and pattern. */
type ImportGlob = [baseDir: string, pattern: string];

/** What a dependency looked like when an entry was stored: [mtimeMs, size] of a path, [hash, count] of a glob's listing. */
type Stamp = [number, number];

/** Dependencies that are globs are kept as `\0glob\0<dir>\0<pattern>` (no path holds a NUL). */
const globPrefix = '\0glob\0';

export class StackNameCache {
  private entries: Record<string, Entry> = {};
  /** Files, directories and globs, with the stamp they had when an entry was stored. */
  private deps: string[] = [];
  private stamps: Stamp[] = [];
  private readonly indexOf = new Map<string, number>();
  /** Each dependency's stamp in this run (computed once: a thousand entries share a catalog). */
  private readonly current = new Map<string, Stamp | undefined>();
  private readonly storedNow = new Set<string>();
  private changed = false;

  /** `listGlob` gives the files an import glob matches now (the import resolver's listing). */
  constructor(private readonly file: string, private readonly listGlob: (baseDir: string, pattern: string) => readonly string[]) {
    try {
      // A cache in a directory another user can write could name any file `prod`.
      checkPrivateDir(path.dirname(file));
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: number; entries?: Record<string, Entry>; deps?: string[]; stamps?: Stamp[] };
      if (parsed.version === 3 && parsed.entries && Array.isArray(parsed.deps) && Array.isArray(parsed.stamps) && parsed.deps.length === parsed.stamps.length) {
        this.entries = parsed.entries;
        this.deps = parsed.deps;
        this.stamps = parsed.stamps;
        this.deps.forEach((dep, i) => this.indexOf.set(dep, i));
      }
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
    for (const index of entry.deps) {
      if (!sameStamp(this.stamps[index], this.stampNow(this.deps[index] ?? ''))) return undefined;
    }
    return { name: entry.name, byPath: entry.byPath };
  }

  store(stackFile: string, value: CachedName, files: readonly string[], globs: readonly ImportGlob[] = []): void {
    const deps: number[] = [];
    const keys = new Set([...files, ...files.map((file) => path.dirname(file)), ...globs.map(([dir, pattern]) => `${globPrefix}${dir}\0${pattern}`)]);
    for (const dep of keys) {
      const now = this.stampNow(dep);
      if (!now) return;
      let index = this.indexOf.get(dep);
      if (index === undefined) {
        index = this.deps.push(dep) - 1;
        this.stamps.push(now);
        this.indexOf.set(dep, index);
      } else if (!sameStamp(this.stamps[index], now)) {
        // Entries stored before the change, and not again in this run, can no longer be trusted.
        for (const [other, entry] of Object.entries(this.entries)) {
          if (!this.storedNow.has(other) && entry.deps.includes(index)) delete this.entries[other];
        }
        this.stamps[index] = now;
      }
      deps.push(index);
    }
    this.entries[stackFile] = { ...value, deps };
    this.storedNow.add(stackFile);
    this.changed = true;
  }

  /** Write the cache if anything was added; a failure is ignored (the next run recomputes). */
  save(): void {
    if (!this.changed) return;
    this.changed = false;
    const dir = path.dirname(this.file);
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      ensurePrivateDir(dir);
      writeFileSync(temp, JSON.stringify({ version: 3, deps: this.deps, stamps: this.stamps, entries: this.entries }), { mode: 0o600, flag: 'wx' });
      renameSync(temp, this.file);
    } catch {
      rmSync(temp, { force: true });
    }
  }

  private stampNow(dep: string): Stamp | undefined {
    if (this.current.has(dep)) return this.current.get(dep);
    let stamp: Stamp | undefined;
    if (dep.startsWith(globPrefix)) {
      const [dir = '', pattern = ''] = dep.slice(globPrefix.length).split('\0');
      const listing = this.listGlob(dir, pattern);
      stamp = [createHash('sha256').update(listing.join('\0')).digest().readUInt32BE(0), listing.length];
    } else {
      const stat = dep === '' ? undefined : statSync(dep, { throwIfNoEntry: false });
      stamp = stat ? [stat.mtimeMs, stat.isDirectory() ? 0 : stat.size] : undefined;
    }
    this.current.set(dep, stamp);
    return stamp;
  }
}

function sameStamp(a: Stamp | undefined, b: Stamp | undefined): boolean {
  return a !== undefined && b !== undefined && a[0] === b[0] && a[1] === b[1];
}
