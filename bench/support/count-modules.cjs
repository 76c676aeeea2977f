// Loaded with `node --require` by bench/ambient-exec.mjs: records the module files a process
// loads. ES modules: one URL a line in $TFWRAP_BENCH_MODULES.esm (written by the loader hooks);
// CommonJS: the number of files in require.cache at exit, in $TFWRAP_BENCH_MODULES.cjs.
const { register } = require('node:module');
const { writeFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');

const out = process.env.TFWRAP_BENCH_MODULES;
if (out) {
  register(pathToFileURL(`${__dirname}/count-modules-hooks.mjs`), { data: { file: `${out}.esm` } });
  process.on('exit', () => writeFileSync(`${out}.cjs`, String(Object.keys(require.cache).filter((f) => f !== __filename).length)));
}
