// Loader hooks for count-modules.cjs (they run on the loader thread).
import { appendFileSync } from 'node:fs';

let file;
export function initialize(data) {
  file = data.file;
}
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(file, `${url}\n`);
  return next(url, context);
}
