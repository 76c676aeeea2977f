// Runs every benchmark in this folder (or the ones named): node bench/run.mjs [name...]
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const scripts = readdirSync(here).filter((f) => f.endsWith('.mjs') && !['run.mjs', 'lib.mjs'].includes(f) && (wanted.length === 0 || wanted.some((w) => f.startsWith(w))));
// Each bench removes NODE_EXTRA_CA_CERTS for its children (bench/lib.mjs) and prints the machine's load.
let failed = 0;
for (const script of scripts) {
  const result = spawnSync(process.execPath, [join(here, script)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
