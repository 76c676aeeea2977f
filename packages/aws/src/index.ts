/**
 * @tfwrap/aws: what AWS identity kinds share. Importing it does not import the AWS SDK; the
 * functions that call AWS import it when they run.
 */
export * from './credentials.js';
export * from './sts.js';
export * from './schema.js';
export * from './managed-files.js';
export * from './managed-env.js';
export { readMfaCode } from './mfa.js';
export { startRefreshServer, toProcessOutput, type RefreshServer } from './refresh-server.js';
export * from './managed-kind.js';
export * from './env-credentials.js';
