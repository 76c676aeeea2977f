/** Fixture repositories in temporary directories, for this package's tests. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TfwrapError } from '@tfwrap/core';
import { StackRepository } from './repository.js';
import { stacksSettingsFrom } from './settings.js';

const createdDirs: string[] = [];

export interface FixtureRepo {
  dir: string;
  repo: StackRepository;
  /** Absolute path of a file given relative to the repository root. */
  file(relativePath: string): string;
}

/**
 * Write `files` (paths relative to the repository root, YAML text that `dedent` tidies) into a new
 * temporary directory and open a StackRepository on it.
 */
export function fixtureRepo(files: Record<string, string>, projectConfig: unknown = {}): FixtureRepo {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfwrap-stacks-'));
  createdDirs.push(dir);
  writeFiles(dir, files);
  return {
    dir,
    repo: new StackRepository(stacksSettingsFrom(dir, projectConfig)),
    file: (relativePath) => path.join(dir, relativePath),
  };
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [relativePath, text] of Object.entries(files)) {
    const file = path.join(dir, relativePath);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, dedent(text));
  }
}

export function removeFixtureRepos(): void {
  for (const dir of createdDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Remove the indentation common to all lines, and a leading blank line, so YAML can be indented in tests. */
function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(common)).join('\n').replace(/[ \t]+$/, '');
}

/** Await `promise` and return the TfwrapError it rejects with; fails if it resolves or throws something else. */
export async function rejection(promise: Promise<unknown>): Promise<TfwrapError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TfwrapError) return err;
    throw err;
  }
  throw new Error('expected a TfwrapError, but the promise resolved');
}
