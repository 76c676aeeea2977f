import assert from 'node:assert/strict';
import * as v from 'valibot';
import { assumeRoleSchema, defaultSessionName, parseAssumeRoleDuration, chainedDurationProblem } from './schema.js';
import { stsError } from './assume-role.js';
import { readMfaCode } from '@tfwrap/aws';
import type { AuthenticateContext } from '@tfwrap/core';

const entry = (principal: Record<string, unknown>) => ({ kind: 'aws/assume-role', via: { identity: 'base' }, principal: { assume_role: 'arn:aws:iam::999999999999:role/TerraformDeployRole', ...principal } });
const issues = (principal: Record<string, unknown>) => {
  const r = v.safeParse(assumeRoleSchema, entry(principal));
  return r.success ? [] : r.issues.map((i) => `${(i.path ?? []).map((p) => p.key).join('.')}: ${i.message}`);
};

describe('aws/assume-role schema', () => {
  it('accepts every principal field', () => {
    assert.deepEqual(issues({ session_name: 'ci@x', duration: '1h', external_id: 'ext-1', region: 'eu-west-1', mfa_serial: 'arn:aws:iam::123456789012:mfa/alice', tags: { team: 'p' }, transitive_tag_keys: ['team'], source_identity: 'alice', policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] }), []);
    assert.deepEqual(issues({ assume_role: 'arn:aws-us-gov:iam::123456789012:role/path/to/Role' }), []);
  });
  it('checks the role ARN for form', () => {
    for (const bad of ['TerraformDeployRole', 'arn:aws:iam::9999:role/X', 'arn:aws:iam::999999999999:user/X', 'arn:aws:sts::999999999999:assumed-role/X/s']) {
      assert.match(issues({ assume_role: bad }).join(), /principal.assume_role: must be a role ARN/, bad);
    }
  });
  it('checks durations against STS limits', () => {
    assert.equal(parseAssumeRoleDuration('1h'), 3600);
    assert.equal(parseAssumeRoleDuration('900s'), 900);
    assert.equal(parseAssumeRoleDuration('15m'), 900);
    assert.match(String(parseAssumeRoleDuration('10m')), /shorter than the 15 minutes/);
    assert.match(String(parseAssumeRoleDuration('13h')), /longer than the 12 hours/);
    assert.match(issues({ duration: 'soon' }).join(), /principal.duration: "soon" is not a duration/);
  });
  it('rejects unknown fields, bad names and stray transitive keys', () => {
    assert.match(issues({ role: 'x' }).join(), /unknown field "role"/);
    assert.match(issues({ session_name: 'has space' }).join(), /session_name may use/);
    assert.match(issues({ session_name: 'x'.repeat(65) }).join(), /at most 64/);
    assert.match(issues({ tags: { a: 'b' }, transitive_tag_keys: ['c'] }).join(), /every transitive_tag_keys entry must be a key of tags/);
  });
  it('derives the session name from the identity', () => {
    assert.equal(defaultSessionName('cross-account-deployer'), 'cross-account-deployer');
    assert.equal(defaultSessionName('prod/eu deploy!'), 'prod-eu-deploy');
    assert.equal(defaultSessionName('x'), 'tfwrap-x');
    assert.equal(defaultSessionName('é'), 'tfwrap-session');
    assert.equal(defaultSessionName('a'.repeat(100)).length, 64);
  });
});

describe('STS error messages', () => {
  const err = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 403 } });
  const role = 'arn:aws:iam::999999999999:role/X';
  it('names the refusal and gives a hint, one line', () => {
    const denied = stsError(err('AccessDenied', 'not authorized'), role, 'base', {});
    assert.match(denied.format(), /^sts:AssumeRole into arn:aws:iam::999999999999:role\/X failed: AccessDenied: not authorized \(HTTP 403\)\. Hint: check that the role's trust policy allows the principal of "base"/);
    assert.match(stsError(err('ExpiredToken', 'expired'), role, 'base', {}).message, /the credentials of "base" were refused by STS \(expired or invalid\)/);
    assert.match(stsError(err('Throttling', 'Rate exceeded'), role, 'base', {}).hint!, /throttling/);
    assert.match(stsError(err('ValidationError', 'bad'), role, 'base', {}).hint!, /maximum session duration/);
    assert.match(stsError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), role, 'base', { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1' }).message, /cannot reach STS at http:\/\/127.0.0.1:1/);
  });
});

describe('MFA code', () => {
  const ctx = (mfaToken?: string, env: Record<string, string> = {}) => ({ identity: 'mfa-user', mfaToken, parentEnv: env, signal: new AbortController().signal }) as unknown as AuthenticateContext;
  const serial = 'arn:aws:iam::123456789012:mfa/alice';
  it('takes --mfa-token first, then TFWRAP_MFA_TOKEN', async () => {
    assert.equal(await readMfaCode(ctx('123456', { TFWRAP_MFA_TOKEN: '654321' }), serial), '123456');
    assert.equal(await readMfaCode(ctx(undefined, { TFWRAP_MFA_TOKEN: ' 654321\n' }), serial), '654321');
  });
  it('refuses a code that is not 6 digits, and says how to give one without a terminal', async () => {
    await assert.rejects(readMfaCode(ctx('12345'), serial), /must be 6 digits/);
    if (!process.stdin.isTTY) await assert.rejects(readMfaCode(ctx(), serial), (err: Error & { hint?: string }) => /no terminal to ask on/.test(err.message) && /--mfa-token/.test(err.hint ?? ''));
  });
  it('flags a role chained from a role session for longer than 1h, offline', () => {
    const identity = (duration?: string) => ({ config: { principal: duration ? { duration } : {} } });
    assert.match(chainedDurationProblem(identity('2h'), { name: 'hop', kind: 'aws/assume-role' }) ?? '', /2h is over the 1-hour limit .* "hop" \(aws\/assume-role\) yields a role session/);
    assert.ok(chainedDurationProblem(identity('2h'), { name: 'sso', kind: 'aws/permission-set' }));
    assert.equal(chainedDurationProblem(identity('1h'), { name: 'hop', kind: 'aws/assume-role' }), undefined);
    assert.equal(chainedDurationProblem(identity(), { name: 'hop', kind: 'aws/assume-role' }), undefined);
    // aws/ambient may hold long-lived keys: only the run, which sees the credentials, can tell.
    assert.equal(chainedDurationProblem(identity('2h'), { name: 'base', kind: 'aws/ambient' }), undefined);
  });
});
