/**
 * @tfwrap/core: the hook pipeline, configuration, plugin loading and identity chains.
 * It imports no cloud SDK; identity kinds come from plugins.
 */
export * from './errors.js';
export * from './did-you-mean.js';
export * from './yaml.js';
export * from './atmos-tags.js';
export * from './identity.js';
export * from './hooks.js';
export * from './logger.js';
export * from './config.js';
export * from './plugins.js';
export * from './commands.js';
export * from './registry.js';
export * from './stores.js';
export * from './state-readers.js';
export * from './auth-graph.js';
export * from './exec.js';
export * from './env-format.js';
export * from './paths.js';
export * from './net.js';
export * from './duration.js';
export * from './session-cache.js';
export * from './file-lock.js';
export { Tfwrap, IDENTITY_ENV, type TfwrapOptions, type PrepareEnvOptions, type ExecIo } from './tfwrap.js';
export { Authenticator, withTimeLimit, throwIfInterrupted, type AuthenticateOptions, type SessionSettings } from './authenticator.js';
export { Run } from './run.js';
