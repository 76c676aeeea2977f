// Module hooks for trace-imports.mjs (they run on the loader thread).
import { appendFileSync } from 'node:fs';

let file;
export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, next) {
  appendFileSync(file, `${specifier}\n`);
  return next(specifier, context);
}
