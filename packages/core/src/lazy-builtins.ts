/**
 * Node builtins that tfwrap's most frequent runs never use, loaded when first called rather than
 * when a module is loaded: `node:crypto` alone costs a process about a quarter of `node -e 0`'s
 * work (20 M instructions), and `node:fs/promises` another 5 M, which a run of an ambient identity
 * (no session to hash or write) or `--version` does not need; `node:module` sets up node's
 * ES-module loader (18 M), which only resolving a plugin package or the `yaml` library needs.
 */
export const crypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');
export const fsPromises = (): typeof import('node:fs/promises') => process.getBuiltinModule('node:fs/promises');
export const nodeModule = (): typeof import('node:module') => process.getBuiltinModule('node:module');
