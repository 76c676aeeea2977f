/** The `aws/user` entry, checked offline by `tfwrap auth validate`, and the GetSessionToken limits. */
import { parseDuration } from '@tfwrap/core';
import { regionSchema } from '@tfwrap/aws';
import { identitySchema } from '@tfwrap/plugin-kit';
import * as v from 'valibot';

export const GET_SESSION_TOKEN_LIMITS = {
  minDurationSeconds: 900,
  /** 36 hours for an IAM user (an account's root user gets at most one hour; STS says so itself). */
  maxDurationSeconds: 36 * 3600,
  defaultDurationSeconds: 12 * 3600,
} as const;

export const KEYRING_BACKENDS = ['system', 'file', 'memory'] as const;
export type KeyringBackendName = (typeof KEYRING_BACKENDS)[number];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENTRY_NAME = /^[\w.@+=:/-]{1,128}$/;

/** Seconds within GetSessionToken's limits, or a message saying what is wrong. */
export function parseUserDuration(value: string | number): number | string {
  const seconds = parseDuration(value);
  if (seconds === undefined) return `"${value}" is not a duration (write 12h, 90m or 3600s)`;
  if (seconds < GET_SESSION_TOKEN_LIMITS.minDurationSeconds) return `${value} is shorter than the 15 minutes sts:GetSessionToken allows`;
  if (seconds > GET_SESSION_TOKEN_LIMITS.maxDurationSeconds) return `${value} is longer than the 36 hours sts:GetSessionToken allows`;
  return seconds;
}

const PLAIN_KEY_FIELDS = new Set(['access_key_id', 'secret_access_key', 'aws_access_key_id', 'aws_secret_access_key', 'session_token']);

function unknownKey(issue: v.BaseIssue<unknown>): string | undefined {
  const last = issue.path?.[issue.path.length - 1] as { key?: unknown } | undefined;
  return typeof last?.key === 'string' ? last.key : undefined;
}

const envName = (field: string) => v.pipe(v.string(`${field} must name an environment variable`), v.regex(ENV_NAME, `${field} must be an environment variable name such as MY_AWS_ACCESS_KEY_ID`));

const credentialsSchema = v.pipe(
  v.strictObject(
    {
      access_key_id_env: v.optional(envName('access_key_id_env')),
      secret_access_key_env: v.optional(envName('secret_access_key_env')),
      keyring: v.optional(v.picklist(KEYRING_BACKENDS, `keyring must be one of ${KEYRING_BACKENDS.join(', ')}`)),
      entry: v.optional(v.pipe(v.string(), v.regex(ENTRY_NAME, 'entry: 1-128 letters, digits and . @ + = : / _ -'))),
    },
    (issue) => {
      const key = unknownKey(issue);
      if (key && PLAIN_KEY_FIELDS.has(key)) {
        return `keys are never written in the configuration; name environment variables (access_key_id_env, secret_access_key_env) or store them with tfwrap auth user configure`;
      }
      return `unknown field${key ? ` ${key}` : ''}: aws/user credentials take access_key_id_env, secret_access_key_env, keyring, entry`;
    },
  ),
  v.check((c) => (c.access_key_id_env === undefined) === (c.secret_access_key_env === undefined), 'give both access_key_id_env and secret_access_key_env, or neither (then the keys come from tfwrap auth user configure)'),
  v.check((c) => c.access_key_id_env === undefined || (c.keyring === undefined && c.entry === undefined), 'keys come from environment variables or from the keyring, not both: drop keyring/entry or the *_env fields'),
);

export const userSchema = identitySchema({
  kind: 'aws/user',
  principalOptional: true,
  principal: v.strictObject(
    {
      mfa_serial: v.optional(v.pipe(v.string(), v.regex(/^[\w+=/:,.@-]{9,256}$/, 'must be an MFA device ARN (arn:aws:iam::123456789012:mfa/name) or serial number'))),
      duration: v.optional(
        v.pipe(
          v.union([v.string(), v.number()]),
          v.check((value) => typeof parseUserDuration(value) === 'number', (issue) => String(parseUserDuration(issue.input as string | number))),
        ),
      ),
      region: v.optional(regionSchema()),
    },
    (issue) => `unknown field${unknownKey(issue) ? ` ${unknownKey(issue)}` : ''}: aws/user takes principal.mfa_serial, duration, region`,
  ),
  fields: { credentials: v.optional(credentialsSchema) },
  unknownField: (key) => {
    if (key === 'via') return 'aws/user takes no via: it is the root of a chain (chain aws/assume-role from it instead)';
    if (key && PLAIN_KEY_FIELDS.has(key)) return `keys are never written in the configuration; use credentials.access_key_id_env/secret_access_key_env or tfwrap auth user configure`;
    return `unknown field${key ? ` ${key}` : ''}: aws/user takes kind, default, description, credentials, principal`;
  },
});

export type UserConfig = v.InferOutput<typeof userSchema>;
