#!/usr/bin/env node
// Runs the bundled CLI (dist/bundle, built by scripts/bundle.mjs; see docs/adr/005-bundled-cli.md).
// Only node builtins are loaded here: start-up time is part of every command.
import module from 'node:module';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// Node 22.1+ can keep compiled code between runs; older Nodes lack the function and skip this.
// The cache lives in tfwrap's own cache directory (the same rule as paths.ts), 0700.
if (typeof module.enableCompileCache === 'function' && !process.env.NODE_COMPILE_CACHE) {
  const env = process.env;
  const cacheDir = env.TFWRAP_CACHE_DIR || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'tfwrap');
  try {
    const dir = join(cacheDir, 'node-compile-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    module.enableCompileCache(dir);
  } catch {
    // A cache that cannot be written only costs speed.
  }
}

const bundle = new URL('../dist/bundle/main.js', import.meta.url);
let run;
try {
  ({ run } = await import(bundle.href));
} catch (err) {
  if (existsSync(bundle)) throw err;
  process.stderr.write(`tfwrap: internal error: ${bundle.pathname} is missing. Hint: run npm run build (tsc -b and the bundle step) [E_INTERNAL]\n`);
  process.exit(70);
}
await run();
