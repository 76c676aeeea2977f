// Loaded with `node --import` by a test: records every module specifier resolved through the ESM
// loader into the file named by TFWRAP_TRACE_IMPORTS, so a test can prove what a command imports.
import { register } from 'node:module';

if (process.env.TFWRAP_TRACE_IMPORTS) {
  register('./trace-imports-hooks.mjs', import.meta.url, { data: { file: process.env.TFWRAP_TRACE_IMPORTS } });
}
