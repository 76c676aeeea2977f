/**
 * `tfwrap fmt [--check] [path...]`: `terraform fmt` on Terraform components. With paths (the
 * pre-commit hook passes the staged files), only the components that hold them; without, every
 * component under components.terraform.base_path. Lists the files it rewrote (or, with --check,
 * would rewrite) and exits 1 when there were any, so a pre-commit run stops and shows them.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, TfwrapError } from '@tfwrap/core';
import { createTfwrap, type GlobalOptions } from '../context.js';

export function registerFmtCommand(program: Command, globals: () => GlobalOptions, setExit: (code: number) => void): void {
  program
    .command('fmt')
    .description('terraform fmt on the components holding the given files (default: every component); exit 1 when a file was not formatted')
    .option('--check', 'only report, do not rewrite')
    .argument('[paths...]', 'files or directories (the files a commit touches)')
    .action(async (paths: string[], opts: { check?: boolean }) => {
      const tfwrap = await createTfwrap(globals());
      const [{ terraformSettingsFrom }, { stacksSettingsFrom }, { execa }] = await Promise.all([import('@tfwrap/terraform'), import('@tfwrap/stacks'), import('execa')]);
      const { command } = terraformSettingsFrom(tfwrap);
      const base = stacksSettingsFrom(tfwrap.loaded.dir, tfwrap.config, { configFile: tfwrap.configFile }).componentsBasePath;
      const cwd = path.resolve(globals().chdir ?? process.cwd());
      const dirs = paths.length ? componentDirsOf(paths.map((p) => path.resolve(cwd, p)), base) : allComponentDirs(base);
      const changed: string[] = [];
      for (const dir of dirs) {
        const result = await execa(command, ['fmt', '-list=true', ...(opts.check ? ['-check'] : []), '-no-color', '.'], { cwd: dir, reject: false, env: { ...process.env, CHECKPOINT_DISABLE: '1' } }).catch((err: NodeJS.ErrnoException) => {
          throw new TfwrapError('E_COMMAND_NOT_FOUND', `cannot run ${command}: ${err.message}`, { hint: 'install terraform, or set components.terraform.command' });
        });
        const listed = result.stdout.split('\n').filter(Boolean).map((file) => path.resolve(dir, file));
        if (result.exitCode !== 0 && listed.length === 0) {
          throw new TfwrapError('E_COMPONENT_INVALID', `terraform fmt failed in ${path.relative(cwd, dir) || '.'}: ${result.stderr.trim().split('\n').slice(0, 3).join(' ')}`, {
            hint: 'fix the syntax error terraform reports',
          });
        }
        changed.push(...listed);
      }
      for (const file of changed) process.stdout.write(`${opts.check ? 'not formatted' : 'formatted'}: ${path.relative(cwd, file)}\n`);
      if (changed.length) setExit(ExitCode.findings);
    });
}

/** Component directories holding the given paths: under base, the first directory level. */
function componentDirsOf(files: string[], base: string): string[] {
  const dirs = new Set<string>();
  for (const file of files) {
    const relative = path.relative(base, file);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      // Not under the components directory: format the file's own directory (modules, examples).
      if (/\.(tf|tfvars|tftest\.hcl)$/.test(file)) dirs.add(statSync(file, { throwIfNoEntry: false })?.isDirectory() ? file : path.dirname(file));
      continue;
    }
    const component = relative.split(path.sep)[0];
    if (component) dirs.add(path.join(base, component));
  }
  return [...dirs].filter((dir) => existsSync(dir)).sort();
}

function allComponentDirs(base: string): string[] {
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(base, e.name)).sort();
}
