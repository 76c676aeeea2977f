/** Opening the project's stacks (imported lazily by the commands that need them). */
import { StackRepository, stacksSettingsFrom } from '@tfwrap/stacks';
import type { Tfwrap } from '@tfwrap/core';

/**
 * `readOnlyComponents`: for a command that only prints what it resolves (describe stacks), the
 * components share their values with the parsed manifests rather than each getting a copy.
 */
export function openStacks(tfwrap: Tfwrap, { readOnlyComponents = false }: { readOnlyComponents?: boolean } = {}): StackRepository {
  // The cache directory keeps the stack names a name_template derives (see @tfwrap/stacks closure-cache).
  return new StackRepository(stacksSettingsFrom(tfwrap.loaded.dir, tfwrap.config, { configFile: tfwrap.configFile }), process.env, { cacheDir: tfwrap.paths.cacheDir, readOnlyComponents });
}
