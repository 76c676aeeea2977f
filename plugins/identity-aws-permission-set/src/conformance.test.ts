/**
 * The plugin-kit conformance suite against aws/permission-set, plus its schema. The source is a
 * stub kind yielding an IAM Identity Center token; the portal is a small loopback server (the full
 * fake, with the sign-in and moto-minted credentials, is test/src/support/fake-sso.ts).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as v from 'valibot';
import { definePlugin, defineIdentityKind, identitySchema } from '@tfwrap/plugin-kit';
import { runConformance } from '@tfwrap/plugin-kit/conformance';
import plugin from './index.js';
import { permissionSetSchema } from './schema.js';

const ACCESS_TOKEN = 'conformance-sso-access-token-0000000000';
const SECRET_KEY = 'conformance-role-secret-access-key-000000';
const SESSION_TOKEN = 'conformance-role-session-token-0000000000';

/** GetRoleCredentials for AdministratorAccess in 111111111111 ("dev", on page 2 of ListAccounts). */
const portal = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const json = (status: number, body: unknown, type?: string) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...(type ? { 'x-amzn-errortype': type } : {}) });
    res.end(JSON.stringify(body));
  };
  if (req.headers['x-amz-sso_bearer_token'] !== ACCESS_TOKEN) return json(401, { message: 'Session token not found or invalid' }, 'UnauthorizedException');
  if (url.pathname === '/assignment/accounts') {
    return url.searchParams.get('next_token') === 'p2'
      ? json(200, { accountList: [{ accountId: '111111111111', accountName: 'dev' }] })
      : json(200, { accountList: [{ accountId: '222222222222', accountName: 'prod' }], nextToken: 'p2' });
  }
  if (url.pathname === '/assignment/roles') return json(200, { roleList: [{ roleName: 'AdministratorAccess', accountId: url.searchParams.get('account_id') }] });
  if (url.pathname === '/federation/credentials') {
    if (url.searchParams.get('account_id') !== '111111111111' || url.searchParams.get('role_name') !== 'AdministratorAccess') return json(403, { message: 'No access' }, 'ForbiddenException');
    return json(200, { roleCredentials: { accessKeyId: 'ASIACONFORMANCE00001', secretAccessKey: SECRET_KEY, sessionToken: SESSION_TOKEN, expiration: Date.now() + 3600_000 } });
  }
  json(404, { message: 'no route' }, 'ResourceNotFoundException');
});
await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
portal.unref();
const endpoint = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
after(() => new Promise<void>((resolve) => portal.close(() => resolve())));

/** A stand-in for aws/iam-identity-center: the sign-in already done. */
const stubSignIn = definePlugin({
  name: 'conformance-stub-sso',
  kinds: [
    defineIdentityKind({
      kind: 'test/sso-sign-in',
      description: 'an IAM Identity Center token, for tests',
      schema: identitySchema({ kind: 'test/sso-sign-in', principalOptional: true }),
      produces: ['aws-sso-token'],
      load: () => ({
        authenticate: async () => ({ type: 'aws-sso-token', accessToken: ACCESS_TOKEN, expiration: new Date(Date.now() + 3600_000), region: 'us-east-1' }),
        prepareEnv: (env) => env,
      }),
    }),
  ],
});

const via = { identity: 'portal' };
runConformance({
  plugin,
  kind: 'aws/permission-set',
  validConfig: { via, principal: { name: 'AdministratorAccess', account: { name: 'dev' }, region: 'eu-west-1' } },
  invalidConfigs: {
    'no via': { principal: { name: 'AdministratorAccess', account: { id: '111111111111' } } },
    'both account.id and account.name': { via, principal: { name: 'AdministratorAccess', account: { id: '111111111111', name: 'dev' } } },
    'an account id that is not 12 digits': { via, principal: { name: 'AdministratorAccess', account: { id: '1234' } } },
    'a misspelt field': { via, principal: { name: 'AdministratorAccess', account: { id: '111111111111' }, regoin: 'eu-west-1' } },
  },
  sources: { portal: { kind: 'test/sso-sign-in' } },
  plugins: [stubSignIn],
  env: { AWS_ENDPOINT_URL_SSO: endpoint },
  envRules: 'managed',
  failure: { config: { via, principal: { name: 'AdministratorAccess', account: { id: '222222222222' } } } },
  secrets: [ACCESS_TOKEN, SECRET_KEY, SESSION_TOKEN],
});

describe('aws/permission-set schema', () => {
  const issues = (principal: Record<string, unknown>) => {
    const r = v.safeParse(permissionSetSchema, { kind: 'aws/permission-set', via, principal });
    return r.success ? [] : r.issues.map((i) => `${(i.path ?? []).map((p) => p.key).join('.')}: ${i.message}`);
  };
  it('takes a permission set and an account by id or by name', () => {
    assert.deepEqual(issues({ name: 'AdministratorAccess', account: { id: '012345678901' } }), []);
    assert.deepEqual(issues({ name: 'ReadOnly', account: { name: 'Sandbox (old)' }, region: 'eu-central-1' }), []);
  });
  it('says what is wrong', () => {
    assert.match(issues({ account: { id: '012345678901' } }).join(), /principal.name: "name" is required: the permission set/);
    assert.match(issues({ name: 'Admin Access', account: { id: '012345678901' } }).join(), /a permission set name is 1-32/);
    assert.match(issues({ name: 'Admin', account: {} }).join(), /principal.account: give account.id or account.name \(one of them\)/);
    assert.match(issues({ name: 'Admin', account: { id: 12345 } }).join(), /account.id is 12 digits/);
    assert.match(issues({ name: 'Admin', account: { id: '012345678901', alias: 'x' } }).join(), /unknown field "alias": account takes id or name/);
    assert.match(issues({ name: 'Admin', account: { id: '012345678901' }, role: 'x' }).join(), /unknown field "role": aws\/permission-set takes name, account, region/);
  });
});
