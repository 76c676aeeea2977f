// Temporary projects that use third-party plugins: the examples under examples/plugins, from a
// relative path or installed from their packed tarballs.
import { cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './cli.js';
import { hermeticEnv, tempDir } from './env.js';
import { repoRoot } from './cli.js';

const examplePlugins = join(repoRoot, 'examples/plugins');
export const fakeCredentials = join(examplePlugins, 'tfwrap-plugin-command/test/fake-credentials.mjs');

/**
 * A project directory whose node_modules holds @tfwrap/plugin-kit and @tfwrap/aws, as a user's
 * project that installed tfwrap and the kit would (linked from this checkout, standing in for the
 * registry).
 */
export function pluginProject(files: Record<string, string> = {}): string {
  const dir = tempDir('tfwrap-plugins-');
  linkKit(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function linkKit(project: string): void {
  mkdirSync(join(project, 'node_modules/@tfwrap'), { recursive: true });
  for (const name of ['plugin-kit', 'aws']) {
    const link = join(project, 'node_modules/@tfwrap', name);
    if (!existsSync(link)) symlinkSync(join(repoRoot, 'packages', name), link);
  }
}

/** Copy an example plugin's directory into the project (for `plugins: [./plugins/<name>/index.js]`). */
export function copyExample(project: string, name: string): void {
  cpSync(join(examplePlugins, name), join(project, 'plugins', name), { recursive: true });
}

/** `npm pack` the examples into a temporary directory; returns the tarballs' paths. */
export async function packExamples(names: string[]): Promise<string[]> {
  const out = tempDir('tfwrap-packs-');
  const env = hermeticEnv({ npm_config_cache: join(out, '.npm-cache') });
  const result = await runCommand('npm', ['pack', '--json', '--pack-destination', out, ...names.map((n) => join(examplePlugins, n))], { env, cwd: out });
  if (result.exitCode !== 0) throw new Error(`npm pack failed: ${result.stderr}`);
  const packed = JSON.parse(result.stdout) as Array<{ filename: string }>;
  return packed.map((p) => join(out, p.filename));
}

/** `npm install --offline` tarballs into a project (no network: the tarballs have no dependencies). */
export async function installTarballs(project: string, tarballs: string[]): Promise<void> {
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'tfwrap-plugin-user', private: true }) + '\n');
  const env = hermeticEnv({ npm_config_cache: join(project, '.npm-cache') });
  // --legacy-peer-deps: the peers (@tfwrap/plugin-kit, @tfwrap/aws) are already there; npm must not fetch them.
  const result = await runCommand('npm', ['install', '--offline', '--no-audit', '--no-fund', '--legacy-peer-deps', '--no-package-lock', ...tarballs], { env, cwd: project, timeout: 120_000 });
  if (result.exitCode !== 0) throw new Error(`npm install failed: ${result.stderr}`);
  linkKit(project); // npm prunes what package.json does not list
}
