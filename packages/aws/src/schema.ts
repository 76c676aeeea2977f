/** Schema pieces every AWS kind checks the same way. */
import * as v from 'valibot';

/** `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`. */
export const AWS_REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * An AWS region. `typeMessage` is what a kind says when the value is missing or not text (for a
 * required region: `region is required: the region of ...`); wrap it in `v.optional` otherwise.
 */
export function regionSchema(typeMessage?: string) {
  return v.pipe(v.string(typeMessage), v.regex(AWS_REGION_PATTERN, 'must be an AWS region such as us-east-1'));
}
