import assert from 'node:assert/strict';
import { diffEnv, formatEnv } from './env-format.js';
import { Redactor, createLogger } from './logger.js';

describe('redaction and env output', () => {
  it('redacts registered values and secret-looking variables everywhere a logger writes', () => {
    const redactor = new Redactor();
    redactor.add('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    redactor.add('short');
    redactor.addFromEnv({ GITHUB_TOKEN: 'ghp_abcdefghijklmnop', AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token-file-path', HOME: '/root/somewhere' });
    const lines: string[] = [];
    const log = createLogger({ debug: true, redactor, write: (l) => lines.push(l) });
    log.debug('key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY token ghp_abcdefghijklmnop file /var/run/token-file-path short /root/somewhere');
    assert.equal(lines[0], 'tfwrap debug: key *** token *** file /var/run/token-file-path short /root/somewhere');
    assert.equal(redactor.redact(encodeURIComponent('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')), '***');
  });

  it('prints only what the identity changed, in each format', () => {
    const diff = diffEnv({ HOME: '/h', AWS_PROFILE: 'mine', KEEP: 'x' }, { HOME: '/h', KEEP: 'x', AWS_REGION: 'eu-west-1', NOTE: "it's" });
    assert.deepEqual(diff, { set: { AWS_REGION: 'eu-west-1', NOTE: "it's" }, unset: ['AWS_PROFILE'] });
    assert.equal(formatEnv(diff, 'bash'), "unset AWS_PROFILE\nexport AWS_REGION=eu-west-1\nexport NOTE='it'\\''s'\n");
    assert.equal(formatEnv(diff, 'dotenv'), "AWS_REGION=eu-west-1\nNOTE='it'\\''s'\n");
    assert.deepEqual(JSON.parse(formatEnv(diff, 'json')), { AWS_REGION: 'eu-west-1', NOTE: "it's" });
    assert.match(formatEnv({ set: { MULTI: 'a\nb' }, unset: [] }, 'github'), /^MULTI<<(TFWRAP_EOF_\w+)\na\nb\n\1\n$/);
  });
});
