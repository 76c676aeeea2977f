/**
 * The INI files tfwrap manages for AWS children: `<realmConfigDir>/aws/credentials` and
 * `.../config`, one section per identity (`[name]` / `[profile name]`), so that terraform
 * provider aliases can name any authenticated identity as a profile. Directories 0700, files 0600.
 *
 * Read-modify-write runs under a lock (proper-lockfile) and every write is a temp file renamed
 * into place, so concurrent runs never lose a section and a reader never sees half a file. A file
 * that already holds the wanted section is not rewritten (the warm path stays lock-free).
 */
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, writePrivateFileAtomic } from '@tfwrap/core';

export interface ManagedFiles {
  dir: string;
  credentialsFile: string;
  configFile: string;
}

export function managedFiles(realmConfigDir: string): ManagedFiles {
  const dir = join(realmConfigDir, 'aws');
  return { dir, credentialsFile: join(dir, 'credentials'), configFile: join(dir, 'config') };
}

/** `key = value` lines; undefined values are left out. */
export type IniSection = Record<string, string | undefined>;

interface Section {
  header: string;
  body: string;
}

/** Split an INI file into its preamble and sections, keeping each section's text as written. */
export function splitIni(text: string): { preamble: string; sections: Section[] } {
  const sections: Section[] = [];
  let preamble = '';
  let current: Section | undefined;
  for (const line of text.split(/(?<=\n)/)) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line.replace(/\r?\n$/, ''));
    if (header) {
      current = { header: header[1]!.trim(), body: '' };
      sections.push(current);
    } else if (current) {
      current.body += line;
    } else {
      preamble += line;
    }
  }
  return { preamble, sections };
}

export function renderSection(header: string, values: IniSection, comment?: string): string {
  const lines = [`[${header}]`, ...(comment ? [`; ${comment}`] : [])];
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== '') lines.push(`${key} = ${value}`);
  return lines.join('\n') + '\n';
}

/** The file's text with `header` replaced by `rendered` (or removed when undefined). */
export function replaceSection(text: string, header: string, rendered: string | undefined): string {
  const { preamble, sections } = splitIni(text);
  const kept = sections.filter((s) => s.header !== header).map((s) => `[${s.header}]\n${s.body.replace(/\n*$/, '\n')}`);
  if (rendered) kept.push(rendered);
  return preamble + kept.join('\n');
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Lock the managed directory around a read-modify-write of both files. */
async function withFilesLock<T>(files: ManagedFiles, work: () => Promise<T>): Promise<T> {
  const { default: lockfile } = await import('proper-lockfile');
  const release = await lockfile.lock(files.dir, {
    realpath: false,
    lockfilePath: join(files.dir, '.lock'),
    stale: 10_000,
    retries: { retries: 200, factor: 1.2, minTimeout: 5, maxTimeout: 100 },
    // The default throws from a timer when a busy machine delays the refresh; writes are atomic anyway.
    onCompromised: () => {},
  });
  try {
    return await work();
  } finally {
    await release().catch(() => {});
  }
}

/**
 * Put `sections` into the managed files: each entry is `[file, header, rendered section or
 * undefined to remove]`. Returns quickly when nothing changes.
 */
export async function updateManagedFiles(files: ManagedFiles, changes: ReadonlyArray<[file: string, header: string, rendered: string | undefined]>): Promise<void> {
  const wanted = (text: string, header: string, rendered: string | undefined) => replaceSection(text, header, rendered);
  const unchanged = () => changes.every(([file, header, rendered]) => {
    const text = readOrEmpty(file);
    return wanted(text, header, rendered) === text && (!rendered || existsSync(file));
  });
  if (existsSync(files.dir) && unchanged()) return;
  ensurePrivateDir(files.dir);
  await withFilesLock(files, async () => {
    const byFile = new Map<string, string>();
    for (const [file, header, rendered] of changes) byFile.set(file, wanted(byFile.get(file) ?? readOrEmpty(file), header, rendered));
    for (const [file, text] of byFile) {
      if (text === readOrEmpty(file) && existsSync(file)) continue;
      await writePrivateFileAtomic(file, text);
      chmodSync(file, 0o600);
    }
  });
}

/** Remove an identity's profile from both files (`tfwrap auth logout -i`). */
export async function removeManagedProfile(realmConfigDir: string, identity: string): Promise<void> {
  const files = managedFiles(realmConfigDir);
  if (!existsSync(files.dir)) return;
  await updateManagedFiles(files, [
    [files.credentialsFile, identity, undefined],
    [files.configFile, `profile ${identity}`, undefined],
  ]);
}

/** Remove every managed AWS file of the realm. */
export function removeAllManagedProfiles(realmConfigDir: string): void {
  rmSync(managedFiles(realmConfigDir).dir, { recursive: true, force: true });
}
