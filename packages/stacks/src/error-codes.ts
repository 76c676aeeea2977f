/**
 * The error codes of stack manifests, declared with their exit class (docs/errors.md). Imported by
 * this package's index, so any program that reads stacks knows them.
 */
import { registerErrorCodes } from '@tfwrap/core';

export const stackErrorCodes = registerErrorCodes({
  E_STACK_UNKNOWN: 'config',
  E_STACK_INVALID: 'config',
  E_COMPONENT_UNKNOWN: 'config',
  E_COMPONENT_INVALID: 'config',
  E_IMPORT_MISSING: 'config',
  E_IMPORT_CYCLE: 'config',
  E_IMPORT_OUTSIDE: 'config',
  E_STATE_CONFLICT: 'config',
  E_UNSUPPORTED: 'config',
  E_LOCALS_NONE: 'config',
} as const);

type StackErrorCodes = typeof stackErrorCodes;

declare module '@tfwrap/core' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- adds the codes to core's ErrorCode
  interface ErrorCodes extends StackErrorCodes {}
}
