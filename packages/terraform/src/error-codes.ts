/**
 * The error codes of running components, declared with their exit class (docs/errors.md).
 * Imported by this package's index.
 */
import { registerErrorCodes } from '@tfwrap/core';

export const terraformErrorCodes = registerErrorCodes({
  E_COMPONENT_LOCKED: 'config',
  E_FUNCTION_FAILED: 'config',
  E_STORE_WRITE_FAILED: 'config',
} as const);

type TerraformErrorCodes = typeof terraformErrorCodes;

declare module '@tfwrap/core' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- adds the codes to core's ErrorCode
  interface ErrorCodes extends TerraformErrorCodes {}
}
