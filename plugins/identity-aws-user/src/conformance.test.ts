// The plugin-kit conformance suite against aws/user, with a loopback STS that answers
// GetSessionToken (the e2e tests use moto; this one needs nothing but node).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runConformance } from '@tfwrap/plugin-kit/conformance';
import plugin from './index.js';

const GOOD = { id: 'AKIACONFORMUSER00001', secret: 'conformance-user-secret-access-key-000000' };
const REFUSED = { id: 'AKIACONFORMREFUSED01', secret: 'conformance-refused-secret-key-0000000000' };

function fakeSts(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      const keyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
      res.setHeader('Content-Type', 'text/xml');
      if (params.get('Action') !== 'GetSessionToken' || keyId !== GOOD.id) {
        res.statusCode = 403;
        res.end('<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>');
        return;
      }
      const expiration = new Date(Date.now() + Number(params.get('DurationSeconds') ?? 43200) * 1000).toISOString();
      res.end(
        '<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetSessionTokenResult><Credentials>' +
          `<AccessKeyId>ASIACONFORMSESSION01</AccessKeyId><SecretAccessKey>conformance-session-secret-0000000000000</SecretAccessKey>` +
          `<SessionToken>conformance-session-token-0000000000000000</SessionToken><Expiration>${expiration}</Expiration>` +
          '</Credentials></GetSessionTokenResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></GetSessionTokenResponse>',
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('aws/user against a loopback STS', () => {
  let server: http.Server | undefined;
  const env: Record<string, string> = { USER_KEY: GOOD.id, USER_SECRET: GOOD.secret, AWS_REGION: 'us-east-1' };
  const failureEnv: Record<string, string> = { USER_KEY: REFUSED.id, USER_SECRET: REFUSED.secret, AWS_REGION: 'us-east-1' };
  before(async () => {
    server = await fakeSts();
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    env.AWS_ENDPOINT_URL_STS = endpoint;
    failureEnv.AWS_ENDPOINT_URL_STS = endpoint;
  });
  after(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  runConformance({
    plugin,
    kind: 'aws/user',
    validConfig: { credentials: { access_key_id_env: 'USER_KEY', secret_access_key_env: 'USER_SECRET' }, principal: { region: 'us-east-1', duration: '1h' } },
    invalidConfigs: {
      'a key written in the configuration': { credentials: { access_key_id: GOOD.id, secret_access_key_env: 'USER_SECRET' } },
      'one variable name without the other': { credentials: { access_key_id_env: 'USER_KEY' } },
      'a duration over 36 hours': { principal: { duration: '48h' } },
      'a misspelt principal field': { principal: { regoin: 'eu-west-1' } },
    },
    env,
    envRules: 'managed',
    failure: { env: failureEnv },
    secrets: [GOOD.secret, REFUSED.secret],
  });
});
