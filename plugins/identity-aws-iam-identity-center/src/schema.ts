/** The `aws/iam-identity-center` entry, checked offline by `tfwrap auth validate`. */
import { isSecureOrLoopback, parseDuration } from '@tfwrap/core';
import { regionSchema } from '@tfwrap/aws';
import { identitySchema } from '@tfwrap/plugin-kit';
import * as v from 'valibot';

/** A sign-in may be renewed for at most this long (AWS caps portal sessions at 90 days). */
export const SESSION_LIMITS = { minSeconds: 15 * 60, maxSeconds: 90 * 24 * 3600 } as const;

/** Seconds, or a message saying what is wrong. */
export function parseSessionDuration(value: string | number): number | string {
  const seconds = parseDuration(value);
  if (seconds === undefined) return `"${value}" is not a duration (write 12h, 8h30m or 43200s)`;
  if (seconds < SESSION_LIMITS.minSeconds) return `${value} is shorter than 15 minutes`;
  if (seconds > SESSION_LIMITS.maxSeconds) return `${value} is longer than the 90 days (2160h) a portal session can last`;
  return seconds;
}

function startUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be the portal URL, such as https://my-org.awsapps.com/start';
  }
  if (isSecureOrLoopback(url)) return undefined;
  return 'must be an https:// URL (http is accepted for 127.0.0.1 and localhost only)';
}

export const identityCenterSchema = identitySchema({
  kind: 'aws/iam-identity-center',
  principal: v.strictObject(
    {
      start_url: v.pipe(
        v.string('start_url is required: the AWS access portal URL, such as https://my-org.awsapps.com/start'),
        v.check((value) => startUrlProblem(value) === undefined, (issue) => startUrlProblem(String(issue.input))!),
      ),
      region: regionSchema('region is required: the region of IAM Identity Center, such as us-east-1'),
      session_duration: v.optional(
        v.pipe(
          v.union([v.string(), v.number()]),
          v.check((value) => typeof parseSessionDuration(value) === 'number', (issue) => String(parseSessionDuration(issue.input as string | number))),
        ),
      ),
    },
    (issue) =>
      issue.expected === 'never'
        ? `unknown field ${issue.received}: aws/iam-identity-center takes start_url, region, session_duration`
        : `${issue.expected} is required: ${issue.expected === '"region"' ? 'the region of IAM Identity Center, such as us-east-1' : 'the AWS access portal URL, such as https://my-org.awsapps.com/start'}`,
  ),
});

export type IdentityCenterConfig = v.InferOutput<typeof identityCenterSchema>;
