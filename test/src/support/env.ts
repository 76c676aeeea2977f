// Hermetic environments and temp dirs for child processes (tfwrap, terraform, aws).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created = new Set<string>();

/** A fresh directory under the OS temp dir, removed by cleanupTempDirs() (root after hook). */
export function tempDir(prefix = 'tfwrap-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.add(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
  created.clear();
}

// Last resort if the root hook never ran (crash, plain `mocha` without the hooks file).
process.once('exit', cleanupTempDirs);

export type ChildEnv = Record<string, string>;

/**
 * A minimal environment: the real PATH (pyenv shims, terraform, aws), an empty HOME and
 * XDG dirs, an empty terraform CLI config, AWS config/credentials files that do not exist,
 * IMDS off, and no inherited AWS_* variables. `extra` wins; an `undefined` value removes a key
 * (e.g. `{ AWS_EC2_METADATA_DISABLED: undefined }` for IMDS tests).
 */
export function hermeticEnv(extra: Record<string, string | undefined> = {}): ChildEnv {
  const root = tempDir('tfwrap-env-');
  const home = join(root, 'home');
  const tfrc = join(root, 'terraformrc');
  for (const dir of [home, join(root, 'xdg/config'), join(root, 'xdg/cache')]) mkdirSync(dir, { recursive: true });
  // terraform warns on every command if TF_CLI_CONFIG_FILE names a missing file.
  writeFileSync(tfrc, '');

  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(root, 'xdg/config'),
    XDG_CACHE_HOME: join(root, 'xdg/cache'),
    TF_CLI_CONFIG_FILE: tfrc,
    CHECKPOINT_DISABLE: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, '.aws/config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws/credentials'),
    // Never probe 169.254.169.254: off the netns that is slow, and on EC2 it is real.
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
  const out: ChildEnv = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
