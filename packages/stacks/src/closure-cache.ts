/**
 * What tfwrap derives from a stack's import closure, kept between runs: the names
 * `stacks.name_template` / `name_pattern` give (repository.ts), and what `tfwrap validate` found
 * (validation-cache.ts).
 *
 * Under a template or pattern a stack's name comes from its vars, so finding stack `plat-dev`
 * means reading every stack manifest's import closure (Atmos does the same on every run); validating
 * a stack means resolving each of its components. Neither changes unless a file it came from
 * changes: each entry records the files of the closure and their directories, and the listing of
 * every import glob of the closure (a file new under `catalog/**` may sit in a directory no merged
 * file is in), and is used only while all of them are unchanged. Files are stamped by mtime and
 * size (the names: a warm `list stacks` reads no manifest) or by content (validate: an edit that
 * keeps the size within the clock's resolution must not pass as unchanged). A stack whose closure
 * uses `!env`, `!exec`, `!include` or reads the environment is not kept (the callers decide).
 * The name cache also keeps the list of stack manifests, valid while every directory under the
 * stacks directory lists the same entries (storeForDirectories): a warm run stats those directories
 * instead of walking the tree and matching every path against included/excluded_paths.
 * The cache is one JSON file per kind and stacks directory, 0600 in a 0700 directory under
 * tfwrap's cache directory; any problem reading or writing it (a directory that is not the user's
 * alone, too) is the same as no cache. It stays as large as the repository: a save replaces the
 * file kept for other settings or another tfwrap build of the same stacks directory, and keeps
 * only the entries this run used (each caller makes one pass over every stack).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkPrivateDir, ensurePrivateDir } from '@tfwrap/core';

interface Entry<V> {
  value: V;
  /** Indexes into `deps`: every file, directory and import glob the value came from. */
  deps: number[];
}

/** An import glob as a dependency: its directory and pattern. */
type ImportGlob = [baseDir: string, pattern: string];

/**
 * What a dependency looked like when an entry was stored: [mtimeMs, size] or [content hash, size]
 * of a file, [mtimeMs, 0] or [listing hash, entries] of a directory, [hash, count] of a glob's listing.
 */
type Stamp = [number, number];

/** Dependencies that are globs are kept as `\0glob\0<dir>\0<pattern>` (no path holds a NUL). */
const globPrefix = '\0glob\0';

export type Stamping = 'stat' | 'content';

export class ClosureCache<V> {
  private entries: Record<string, Entry<V>> = {};
  /** Files, directories and globs, with the stamp they had when an entry was stored. */
  private deps: string[] = [];
  private stamps: Stamp[] = [];
  private readonly indexOf = new Map<string, number>();
  /** Each dependency's stamp in this run (computed once: a thousand entries share a catalog). */
  private readonly current = new Map<string, Stamp | undefined>();
  /** Whether each dependency (by index) still has its stored stamp, once asked: entries share most of theirs. */
  private unchangedByIndex: Array<boolean | undefined> = [];
  private readonly storedNow = new Set<string>();
  /** Entries this run looked up and found, or stored: the others are of stacks that are gone. */
  private readonly used = new Set<string>();
  private changed = false;

  /** `listGlob` gives the files an import glob matches now (the import resolver's listing). */
  constructor(
    private readonly file: string,
    private readonly listGlob: (baseDir: string, pattern: string) => readonly string[],
    private readonly stamping: Stamping = 'stat',
  ) {
    try {
      // A cache in a directory another user can write could name any file `prod`, or call a broken stack valid.
      checkPrivateDir(path.dirname(file));
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: number; stamping?: Stamping; entries?: Record<string, Entry<V>>; deps?: string[]; stamps?: Stamp[] };
      if (parsed.version === 4 && parsed.stamping === stamping && parsed.entries && Array.isArray(parsed.deps) && Array.isArray(parsed.stamps) && parsed.deps.length === parsed.stamps.length) {
        this.entries = parsed.entries;
        this.deps = parsed.deps;
        this.stamps = parsed.stamps;
        this.deps.forEach((dep, i) => this.indexOf.set(dep, i));
      }
    } catch {
      // no cache yet, or an unreadable one: start empty
    }
  }

  /**
   * The cache file of one kind (`stack-names`, `validation`) for a stacks directory (`scope`) and
   * what else its values depend on (`key`: settings, tfwrap's build), under `cacheDir`:
   * `<kind>/<scope hash>-<key hash>.json`.
   */
  static fileFor(cacheDir: string, kind: string, scope: string, key: unknown): string {
    const hash = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16);
    return path.join(cacheDir, kind, `${hash(scope)}-${hash(JSON.stringify(key))}.json`);
  }

  lookup(key: string): V | undefined {
    const entry = this.entries[key];
    if (!entry || !Array.isArray(entry.deps)) return undefined;
    for (const index of entry.deps) {
      if (!this.unchanged(index)) return undefined;
    }
    this.used.add(key);
    return entry.value;
  }

  /** Keeps `value` for as long as these files (and their directories) and import globs are unchanged. */
  store(key: string, value: V, files: readonly string[], globs: readonly ImportGlob[] = []): void {
    this.storeWithDeps(key, value, [...files, ...files.map((file) => path.dirname(file)), ...globs.map(([dir, pattern]) => `${globPrefix}${dir}\0${pattern}`)]);
  }

  /**
   * Keeps `value` for as long as these directories list the same entries: a file added, removed or
   * renamed anywhere in them changes the directory's stamp (its mtime, or its listing by content).
   */
  storeForDirectories(key: string, value: V, dirs: readonly string[]): void {
    this.storeWithDeps(key, value, dirs);
  }

  private storeWithDeps(key: string, value: V, depKeys: readonly string[]): void {
    const deps: number[] = [];
    for (const dep of new Set(depKeys)) {
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
      this.unchangedByIndex[index] = true;
      deps.push(index);
    }
    this.entries[key] = { value, deps };
    this.storedNow.add(key);
    this.used.add(key);
    this.changed = true;
  }

  /**
   * Write the cache if anything was added or is no longer used, with only the entries this run
   * used, and remove the files kept for the same stacks directory under other settings or builds.
   * A failure is ignored (the next run recomputes).
   */
  save(): void {
    const unused = Object.keys(this.entries).filter((key) => !this.used.has(key));
    if (!this.changed && unused.length === 0) return;
    this.changed = false;
    for (const key of unused) delete this.entries[key];
    this.compactDeps();
    const dir = path.dirname(this.file);
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      ensurePrivateDir(dir);
      writeFileSync(temp, JSON.stringify({ version: 4, stamping: this.stamping, deps: this.deps, stamps: this.stamps, entries: this.entries }), { mode: 0o600, flag: 'wx' });
      renameSync(temp, this.file);
    } catch {
      rmSync(temp, { force: true });
      return;
    }
    const own = path.basename(this.file);
    const scope = own.slice(0, own.indexOf('-') + 1);
    try {
      for (const name of readdirSync(dir)) {
        // (and the files of tfwrap 0.x before this naming: one 32-digit hash)
        if (name !== own && name.endsWith('.json') && (name.startsWith(scope) || /^[0-9a-f]{32}\.json$/.test(name))) rmSync(path.join(dir, name), { force: true });
      }
    } catch {
      // another run removed them first
    }
  }

  /** Drops the dependencies no entry refers to any more, renumbering the rest. */
  private compactDeps(): void {
    const renumbered = new Map<number, number>();
    const deps: string[] = [];
    const stamps: Stamp[] = [];
    for (const entry of Object.values(this.entries)) {
      entry.deps = entry.deps.map((index) => {
        let next = renumbered.get(index);
        if (next === undefined) {
          next = deps.push(this.deps[index]!) - 1;
          stamps.push(this.stamps[index]!);
          renumbered.set(index, next);
        }
        return next;
      });
    }
    this.deps = deps;
    this.stamps = stamps;
    this.unchangedByIndex = [];
    this.indexOf.clear();
    deps.forEach((dep, i) => this.indexOf.set(dep, i));
  }

  private unchanged(index: number): boolean {
    let unchanged = this.unchangedByIndex[index];
    if (unchanged === undefined) {
      unchanged = sameStamp(this.stamps[index], this.stampNow(this.deps[index] ?? ''));
      this.unchangedByIndex[index] = unchanged;
    }
    return unchanged;
  }

  private stampNow(dep: string): Stamp | undefined {
    if (this.current.has(dep)) return this.current.get(dep);
    let stamp: Stamp | undefined;
    if (dep.startsWith(globPrefix)) {
      const [dir = '', pattern = ''] = dep.slice(globPrefix.length).split('\0');
      stamp = listingStamp(this.listGlob(dir, pattern));
    } else {
      const stat = dep === '' ? undefined : statSync(dep, { throwIfNoEntry: false });
      if (stat && this.stamping === 'content') {
        stamp = stat.isDirectory() ? listingStamp(readdirSync(dep)) : [contentHash(readFileSync(dep)), stat.size];
      } else {
        stamp = stat ? [stat.mtimeMs, stat.isDirectory() ? 0 : stat.size] : undefined;
      }
    }
    this.current.set(dep, stamp);
    return stamp;
  }
}

function listingStamp(names: readonly string[]): Stamp {
  return [contentHash(names.join('\0')), names.length];
}

/** 48 bits of a SHA-256: a number JSON keeps exactly. */
function contentHash(data: string | Buffer): number {
  return createHash('sha256').update(data).digest().readUIntBE(0, 6);
}

function sameStamp(a: Stamp | undefined, b: Stamp | undefined): boolean {
  return a !== undefined && b !== undefined && a[0] === b[0] && a[1] === b[1];
}
