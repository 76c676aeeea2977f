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
 * any problem reading or writing it (a directory that is not the user's alone, too) is the same as no cache.
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
  /** Indexes into `paths`: every file and directory the name came from. */
  deps: number[];
}

export class StackNameCache {
  private entries: Record<string, Entry> = {};
  /** Files and directories, with the [mtimeMs, size] they had when an entry was stored. */
  private paths: string[] = [];
  private stamps: Array<[number, number]> = [];
  private readonly indexOf = new Map<string, number>();
  /** Whether each path still has its stamp (computed once per run). */
  private readonly unchanged = new Map<number, boolean>();
  private readonly storedNow = new Set<string>();
  private changed = false;

  constructor(private readonly file: string) {
    try {
      // A cache in a directory another user can write could name any file `prod`.
      checkPrivateDir(path.dirname(file));
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: number; entries?: Record<string, Entry>; paths?: string[]; stamps?: Array<[number, number]> };
      if (parsed.version === 2 && parsed.entries && Array.isArray(parsed.paths) && Array.isArray(parsed.stamps) && parsed.paths.length === parsed.stamps.length) {
        this.entries = parsed.entries;
        this.paths = parsed.paths;
        this.stamps = parsed.stamps;
        this.paths.forEach((p, i) => this.indexOf.set(p, i));
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
    for (const index of entry.deps) if (!this.isUnchanged(index)) return undefined;
    return { name: entry.name, byPath: entry.byPath };
  }

  store(stackFile: string, value: CachedName, files: readonly string[]): void {
    const deps: number[] = [];
    for (const dep of new Set([...files, ...files.map((file) => path.dirname(file))])) {
      const now = stampOf(dep);
      if (!now) return;
      let index = this.indexOf.get(dep);
      if (index === undefined) {
        index = this.paths.push(dep) - 1;
        this.stamps.push(now);
        this.indexOf.set(dep, index);
      } else if (this.stamps[index]![0] !== now[0] || this.stamps[index]![1] !== now[1]) {
        // Entries stored before the change, and not again in this run, can no longer be trusted.
        for (const [other, entry] of Object.entries(this.entries)) {
          if (!this.storedNow.has(other) && entry.deps.includes(index)) delete this.entries[other];
        }
        this.stamps[index] = now;
      }
      this.unchanged.set(index, true);
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
      writeFileSync(temp, JSON.stringify({ version: 2, paths: this.paths, stamps: this.stamps, entries: this.entries }), { mode: 0o600, flag: 'wx' });
      renameSync(temp, this.file);
    } catch {
      rmSync(temp, { force: true });
    }
  }

  private isUnchanged(index: number): boolean {
    let known = this.unchanged.get(index);
    if (known === undefined) {
      const now = stampOf(this.paths[index] ?? '');
      const then = this.stamps[index];
      known = now !== undefined && then !== undefined && now[0] === then[0] && now[1] === then[1];
      this.unchanged.set(index, known);
    }
    return known;
  }
}

function stampOf(file: string): [number, number] | undefined {
  const stat = file === '' ? undefined : statSync(file, { throwIfNoEntry: false });
  return stat ? [stat.mtimeMs, stat.isDirectory() ? 0 : stat.size] : undefined;
}
