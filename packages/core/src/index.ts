export * from './errors.js';
export * from './yaml.js';
