// Helpers for the terraform e2e tests: temporary copies of examples, small fixture repositories.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
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
