/** Moved to @tfwrap/aws, shared with aws/user (GetSessionToken takes the same code). */
export { readMfaCode } from '@tfwrap/aws';
