/** The `aws/assume-role` entry, checked offline by `tfwrap auth validate`, and the STS limits. */
import { parseDuration } from '@tfwrap/core';
import { regionSchema } from '@tfwrap/aws';
import { identitySchema } from '@tfwrap/plugin-kit';
import * as v from 'valibot';

export const STS_LIMITS = {
  minDurationSeconds: 900,
  maxDurationSeconds: 12 * 3600,
  /** AWS caps a session assumed with temporary credentials ("role chaining") at one hour. */
  chainedMaxDurationSeconds: 3600,
  defaultDurationSeconds: 3600,
  maxSessionNameLength: 64,
  maxTags: 50,
  maxPolicyArns: 10,
} as const;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const NAME_CHARS = /^[\w+=,.@-]+$/;

/** Seconds within STS limits, or a message saying what is wrong. */
export function parseAssumeRoleDuration(value: string | number): number | string {
  const seconds = parseDuration(value);
  if (seconds === undefined) return `"${value}" is not a duration (write 1h, 15m or 900s)`;
  if (seconds < STS_LIMITS.minDurationSeconds) return `${value} is shorter than the 15 minutes STS allows`;
  if (seconds > STS_LIMITS.maxDurationSeconds) return `${value} is longer than the 12 hours STS allows`;
  return seconds;
}

/** The identity's name with what STS refuses replaced, 2 to 64 characters. */
export function defaultSessionName(identity: string): string {
  let name = identity.replace(/[^\w+=,.@-]+/g, '-').replace(/^-+|-+$/g, '');
  if (name.length < 2) name = `tfwrap-${name || 'session'}`;
  return name.slice(0, STS_LIMITS.maxSessionNameLength);
}

const nameField = (what: string) =>
  v.pipe(v.string(), v.regex(NAME_CHARS, `${what} may use letters, digits and + = , . @ _ - only`), v.minLength(2), v.maxLength(64, `${what} is at most 64 characters`));

export const assumeRoleSchema = identitySchema({
  kind: 'aws/assume-role',
  via: 'required',
  principal: v.pipe(
    v.strictObject(
      {
        assume_role: v.pipe(v.string('assume_role is required: the ARN of the role'), v.regex(ROLE_ARN, 'must be a role ARN such as arn:aws:iam::123456789012:role/Name')),
        session_name: v.optional(nameField('session_name')),
        duration: v.optional(
          v.pipe(
            v.union([v.string(), v.number()]),
            v.check((value) => typeof parseAssumeRoleDuration(value) === 'number', (issue) => String(parseAssumeRoleDuration(issue.input as string | number))),
          ),
        ),
        external_id: v.optional(v.pipe(v.string(), v.regex(/^[\w+=,.@:/-]{2,1224}$/, 'external_id: 2-1224 characters of letters, digits and + = , . @ : / _ -'))),
        region: v.optional(regionSchema()),
        mfa_serial: v.optional(v.pipe(v.string(), v.regex(/^[\w+=/:,.@-]{9,256}$/, 'must be an MFA device ARN or serial number'))),
        tags: v.optional(
          v.pipe(
            v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(128, 'a tag key is at most 128 characters')), v.pipe(v.string(), v.maxLength(256, 'a tag value is at most 256 characters'))),
            v.check((tags) => Object.keys(tags).length <= STS_LIMITS.maxTags, `at most ${STS_LIMITS.maxTags} session tags`),
          ),
        ),
        transitive_tag_keys: v.optional(v.array(v.pipe(v.string(), v.minLength(1)))),
        source_identity: v.optional(nameField('source_identity')),
        policy_arns: v.optional(
          v.pipe(
            v.array(v.pipe(v.string(), v.regex(/^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/.+$/, 'must be a managed policy ARN'))),
            v.maxLength(STS_LIMITS.maxPolicyArns, `at most ${STS_LIMITS.maxPolicyArns} policy ARNs`),
          ),
        ),
      },
      (issue) => `unknown field ${String(issue.received)}: aws/assume-role takes assume_role, session_name, duration, external_id, region, mfa_serial, tags, transitive_tag_keys, source_identity, policy_arns`,
    ),
    v.check((p) => (p.transitive_tag_keys ?? []).every((key) => key in (p.tags ?? {})), 'every transitive_tag_keys entry must be a key of tags'),
  ),
});

export type AssumeRoleConfig = v.InferOutput<typeof assumeRoleSchema>;

/** Kinds whose credentials are always a role session, so a role assumed from them is role chaining. */
const ROLE_SESSION_KINDS = new Set(['aws/assume-role', 'aws/permission-set']);

/**
 * The 1-hour role-chaining cap, checked offline where the source is known to yield a role session
 * (other sources, such as aws/ambient with IRSA, are checked at run time, before any STS call).
 */
export function chainedDurationProblem(
  identity: { config: { principal?: Record<string, unknown> } },
  source: { name: string; kind: string },
): string | undefined {
  const duration = identity.config.principal?.duration;
  if (duration === undefined || !ROLE_SESSION_KINDS.has(source.kind)) return undefined;
  const seconds = parseAssumeRoleDuration(duration as string | number);
  if (typeof seconds !== 'number' || seconds <= STS_LIMITS.chainedMaxDurationSeconds) return undefined;
  return `principal.duration ${String(duration as string | number)} is over the 1-hour limit AWS puts on role chaining: "${source.name}" (${source.kind}) yields a role session, so the role it assumes can last at most 1h`;
}
