export { buildProgram, main } from './main.js';
export { builtinPlugins } from './builtins.js';
