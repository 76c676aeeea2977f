/**
 * Reading a project at a git revision without touching the user's work tree or index: the
 * revision's tree is exported with `git archive` into a temporary directory, and what changed
 * between two revisions comes from `git diff --name-status`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TfwrapError } from '@tfwrap/core';

export interface GitRepository {
  /** Absolute path of the repository's top directory. */
  top: string;
  /** The project directory relative to `top`, with `/` separators and no trailing slash ('' at the top). */
  prefix: string;
}

export interface ChangedFile {
  /** Path relative to the repository's top. */
  path: string;
  status: 'added' | 'deleted' | 'modified';
}

/** Run git; its stdout, or an E_USAGE error carrying git's first line of complaint. */
function git(cwd: string, args: string[], what: string, hint?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (cause) => reject(new TfwrapError('E_COMMAND_NOT_FOUND', `cannot run git to ${what}: ${cause.message}`, { hint: 'install git and put it on PATH', cause })));
    child.on('close', (code) => {
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const complaint = Buffer.concat(err).toString('utf8').trim().split('\n')[0] ?? '';
      reject(new TfwrapError('E_USAGE', `cannot ${what}: ${complaint || `git exited ${code}`}`, { hint }));
    });
  });
}

export async function openGitRepository(projectDir: string): Promise<GitRepository> {
  const hint = 'run tfwrap inside a git checkout of the project';
  // One git process for both: the top directory's line, then the prefix's (empty at the top).
  const [top = '', prefix = ''] = (await git(projectDir, ['rev-parse', '--show-toplevel', '--show-prefix'], 'find the git repository', hint)).split('\n');
  return { top: top.trim(), prefix: prefix.trim().replace(/\/$/, '') };
}

/** The commit a ref names (full hash). An unknown ref is an E_USAGE error. */
export async function resolveCommit(repo: GitRepository, ref: string, flag: string): Promise<string> {
  const hint = ref.startsWith('origin/')
    ? `fetch it first (in GitHub Actions: actions/checkout with fetch-depth: 0)`
    : 'name a branch, tag or commit; in a shallow clone fetch the base first (fetch-depth: 0)';
  const out = await git(repo.top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], `read ${flag} ${ref}`, hint)
    .catch(() => {
      throw new TfwrapError('E_USAGE', `${flag} ${ref} is not a commit in ${repo.top}`, { hint });
    });
  return out.trim();
}

/** Files that differ between two commits under the project directory (renames as delete + add). */
export async function changedFiles(repo: GitRepository, base: string, head: string): Promise<ChangedFile[]> {
  const out = await git(repo.top, ['diff', '--name-status', '--no-renames', '-z', base, head, '--', repo.prefix === '' ? '.' : repo.prefix], 'compare the revisions');
  const words = out.split('\0').filter((word) => word !== '');
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < words.length; i += 2) {
    const letter = words[i]!;
    files.push({ path: words[i + 1]!, status: letter === 'A' ? 'added' : letter === 'D' ? 'deleted' : 'modified' });
  }
  return files;
}

/** A revision's tree, exported under a temporary directory; `remove()` deletes it. */
export interface ExportedTree {
  /** The project directory inside the export. */
  projectDir: string;
  remove(): Promise<void>;
}

/** `git archive <commit> <prefix> | tar -x`: only the project's part of the tree is written. */
export async function exportTree(repo: GitRepository, commit: string): Promise<ExportedTree> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tfwrap-affected-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const archive = spawn('git', ['archive', '--format=tar', commit, ...(repo.prefix === '' ? [] : ['--', repo.prefix])], { cwd: repo.top, stdio: ['ignore', 'pipe', 'pipe'] });
      const tar = spawn('tar', ['-x', '-f', '-', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
      archive.stdout.pipe(tar.stdin);
      const errors: string[] = [];
      archive.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
      tar.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
      let pending = 2;
      const done = (code: number | null) => {
        if (code !== 0) errors.push(`exit ${code}`);
        if (--pending === 0) {
          if (errors.length === 0) resolve();
          else reject(new TfwrapError('E_USAGE', `cannot read revision ${commit.slice(0, 12)}: ${errors.join(' ').trim().split('\n')[0]}`));
        }
      };
      archive.on('error', reject);
      tar.on('error', reject);
      archive.on('close', done);
      tar.on('close', done);
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { projectDir: path.join(dir, ...repo.prefix.split('/').filter(Boolean)), remove };
}

/** Whether the project's part of the work tree is the HEAD commit exactly: no change, no untracked file. */
export async function isClean(repo: GitRepository): Promise<boolean> {
  const status = await git(repo.top, ['status', '--porcelain', '--untracked-files=all', '--', repo.prefix === '' ? '.' : repo.prefix], 'read the work tree status');
  return status.trim() === '';
}

/**
 * Several files of one commit, read by one `git cat-file --batch` (paths relative to the
 * repository's top); a file the commit does not have is undefined.
 */
export async function readFilesAt(repo: GitRepository, commit: string, paths: readonly string[]): Promise<Map<string, string | undefined>> {
  const result = new Map<string, string | undefined>();
  const wanted = paths.filter((file) => !file.includes('\n'));
  if (wanted.length === 0) return result;
  const out = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: repo.top, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
    child.on('error', (cause) => reject(new TfwrapError('E_COMMAND_NOT_FOUND', `cannot run git to read revision ${commit.slice(0, 12)}: ${cause.message}`, { hint: 'install git and put it on PATH', cause })));
    child.on('close', (code) => code === 0
      ? resolve(Buffer.concat(chunks))
      : reject(new TfwrapError('E_USAGE', `cannot read revision ${commit.slice(0, 12)}: ${Buffer.concat(errors).toString('utf8').trim().split('\n')[0] || `git exited ${code}`}`)));
    child.stdin.end(wanted.map((file) => `${commit}:${file}\n`).join(''));
  });
  // Each answer: `<oid> <type> <size>\n<content>\n`, or `<name> missing\n`.
  let offset = 0;
  for (const file of wanted) {
    const lineEnd = out.indexOf(0x0a, offset);
    const header = out.toString('utf8', offset, lineEnd);
    offset = lineEnd + 1;
    const match = /^\S+ (\S+) (\d+)$/.exec(header);
    if (!match) {
      result.set(file, undefined);
      continue;
    }
    const size = Number(match[2]);
    result.set(file, match[1] === 'blob' ? out.toString('utf8', offset, offset + size) : undefined);
    offset += size + 1;
  }
  return result;
}
