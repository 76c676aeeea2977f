/**
 * Splitting a tfwrap command line into tfwrap's own options and Terraform's. Users type Terraform's
 * single-dash flags (`-auto-approve`, `-detailed-exitcode`, `-var 'a=b'`, `-target=x`) straight
 * after `tfwrap plan dev`; a command-line parser would read `-auto-approve` as `-a -u -t ...` and
 * `-input=false` as `-i nput=false`. So every single-dash word longer than one letter, and all
 * that follows `--`, goes to Terraform untouched.
 */

/** Terraform flags that may take their value as the next word (`-var 'a=b'`, `-out plan`). */
const VALUE_FLAGS = new Set([
  'var', 'var-file', 'target', 'replace', 'out', 'state', 'state-out', 'backup', 'lock-timeout',
  'parallelism', 'generate-config-out', 'backend-config', 'plugin-dir', 'from-module', 'test-directory', 'filter', 'chdir',
]);

export interface SplitArgs {
  /** Words for tfwrap's own parser. */
  own: string[];
  /** Words for Terraform, in the order given. */
  terraform: string[];
}

export function splitTerraformArgs(words: readonly string[]): SplitArgs {
  const own: string[] = [];
  const terraform: string[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (word === '--') {
      terraform.push(...words.slice(index + 1));
      break;
    }
    const flag = /^-([a-zA-Z][a-zA-Z0-9_-]+)(=.*)?$/.exec(word);
    if (flag) {
      terraform.push(word);
      if (flag[2] === undefined && VALUE_FLAGS.has(flag[1]!) && index + 1 < words.length) {
        terraform.push(words[++index]!);
      }
      continue;
    }
    own.push(word);
  }
  return { own, terraform };
}

/** Whether Terraform's arguments hold `-name` or `-name=value` (value not `false`). */
export function hasFlag(args: readonly string[], name: string): boolean {
  return args.some((arg) => arg === `-${name}` || arg === `--${name}` || (arg.startsWith(`-${name}=`) && !/=(false|0)$/i.test(arg)));
}

/** Flags whose value may hold a secret (`-var db_password=...`, `-backend-config=access_key=...`). */
const SECRET_VALUE_FLAGS = new Set(['var', 'backend-config']);

/**
 * Terraform's arguments as `--debug` shows them: the value of each `-var NAME=value` and
 * `-backend-config KEY=value` masked (`NAME=***`). A `-backend-config` naming a file stays.
 */
export function maskArgs(args: readonly string[]): string[] {
  const mask = (value: string) => (value.includes('=') ? `${value.slice(0, value.indexOf('='))}=***` : value);
  const out: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const word = args[index]!;
    const flag = /^--?([a-zA-Z][a-zA-Z0-9_-]*)(?:=(.*))?$/s.exec(word);
    if (!flag || !SECRET_VALUE_FLAGS.has(flag[1]!)) {
      out.push(word);
      continue;
    }
    if (flag[2] !== undefined) out.push(`${word.slice(0, word.indexOf('='))}=${mask(flag[2])}`);
    else {
      out.push(word);
      if (index + 1 < args.length) out.push(mask(args[++index]!));
    }
  }
  return out;
}
