/**
 * Plan files of runs over several components. `-out=plans/` (or `-out=plans/x.tfplan`) would make
 * every component write the same name inside its own directory; instead each component writes
 * `<dir>/<stack>-<component>.tfplan` (`<dir>/<stack>-<component>.x.tfplan`), `/` in names
 * becoming `-`, with `<dir>` taken from where tfwrap was started, so that an apply job finds them.
 */
import path from 'node:path';
import type { ComponentInstance } from '@tfwrap/stacks';

/** The plan file of one component for the `-out` value given; undefined when none was given. */
export function planFileFor(out: string, instance: Pick<ComponentInstance, 'stack' | 'name'>, cwd: string): string {
  const flat = `${instance.stack}-${instance.name}`.replace(/\//g, '-');
  const isDir = out.endsWith('/') || out === '.' || out === '..';
  const dir = path.resolve(cwd, isDir ? out : path.dirname(out));
  return path.join(dir, isDir ? `${flat}.tfplan` : `${flat}.${path.basename(out)}`);
}

/** Terraform's arguments with `-out X` / `-out=X` replaced by the component's own plan file. */
export function withPlanFile(args: readonly string[], instance: Pick<ComponentInstance, 'stack' | 'name'>, cwd: string): string[] {
  const result: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const joined = /^--?out=(.*)$/.exec(arg);
    if (joined) result.push(`-out=${planFileFor(joined[1]!, instance, cwd)}`);
    else if ((arg === '-out' || arg === '--out') && i + 1 < args.length) result.push(`-out=${planFileFor(args[++i]!, instance, cwd)}`);
    else result.push(arg);
  }
  return result;
}
