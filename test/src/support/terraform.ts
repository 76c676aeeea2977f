// Helpers for the terraform e2e tests: temporary copies of examples, small fixture repositories.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './cli.js';
import { tempDir } from './env.js';

/** A copy of examples/<name> in a temporary directory, without generated files. */
export function copyExample(name: string): string {
  const dir = join(tempDir('tfwrap-example-'), name);
  cpSync(join(repoRoot, 'examples', name), dir, {
    recursive: true,
    filter: (source) => !/(\.terraform|terraform\.tfstate\.d|\.tfvars\.json|backend\.tf\.json|\.tfstate)$/.test(source),
  });
  return dir;
}

/** Write files (relative paths to text) under `dir`, creating directories. */
export function writeTree(dir: string, files: Record<string, string>): string {
  for (const [relative, text] of Object.entries(files)) {
    const file = join(dir, relative);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return dir;
}

/** A new project directory with `files`; tfwrap.yaml defaults to an ambient default identity. */
export function fixtureProject(files: Record<string, string>): string {
  return writeTree(tempDir('tfwrap-project-'), {
    'tfwrap.yaml': 'stacks:\n  excluded_paths: ["catalog/**"]\nauth:\n  identities:\n    local:\n      kind: ambient\n      default: true\n',
    ...files,
  });
}

/** A terraform component that needs nothing from outside. */
export const SIMPLE_COMPONENT = `
variable "stage" { type = string }
resource "terraform_data" "this" { input = var.stage }
output "stage" { value = terraform_data.this.output }
`;

/** The one line tfwrap prints for an error. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('tfwrap: error:'));
}

/** A `terraform` on PATH that records each call as "<cwd> <args>" before running the real one. */
export interface RecordingTerraform {
  /** The directory to put first on PATH. */
  bin: string;
  /** The call log (one line per call). */
  log: string;
  /** The calls recorded so far. */
  calls(): string[];
  /** Forget the calls recorded so far. */
  clear(): void;
}

/**
 * Put a recording shim in front of the real terraform. With `hangIn`, once the file `<bin>/hang`
 * exists, every call whose working directory ends in `/<hangIn>` sleeps `sleepArg` seconds instead
 * (an argument nobody else uses, so a test can find that process).
 */
export function recordingTerraform(options: { hangIn?: string; sleepArg?: string } = {}): RecordingTerraform {
  const realTerraform = execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim();
  const bin = tempDir('tfwrap-shim-');
  const log = join(bin, 'calls.log');
  const hang = options.hangIn
    ? `case "$(pwd)" in */${options.hangIn}) [ -f "${join(bin, 'hang')}" ] && exec sleep ${options.sleepArg ?? '600'};; esac\n`
    : '';
  writeFileSync(join(bin, 'terraform'), `#!/bin/sh\necho "$(pwd) $*" >> "${log}"\n${hang}exec "${realTerraform}" "$@"\n`);
  chmodSync(join(bin, 'terraform'), 0o755);
  return {
    bin,
    log,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
    clear: () => writeFileSync(log, ''),
  };
}
