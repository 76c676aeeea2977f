import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LiveRun } from '@tfwrap/core';
import type { AwsCredentials } from './credentials.js';
import { SHADOWING_VARIABLES, prepareManagedEnv } from './managed-env.js';
import { managedFiles, removeManagedProfile, replaceSection, renderSection, updateManagedFiles } from './managed-files.js';

const credentials: AwsCredentials = {
  type: 'aws',
  accessKeyId: 'ASIAEXAMPLE000000001',
  secretAccessKey: 'secret-access-key-value',
  sessionToken: 'session-token-value',
  expiration: new Date('2030-01-01T00:00:00Z'),
  region: 'eu-west-1',
};

describe('managed AWS environment', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tfwrap-managed-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const parent = () => {
    const env: Record<string, string> = { PATH: '/bin', HOME: dir, UNRELATED: 'x', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1', AWS_ENDPOINT_URL: 'http://127.0.0.1:2', AWS_CA_BUNDLE: '/ca.pem' };
    for (const name of SHADOWING_VARIABLES) env[name] = `inherited-${name}`;
    return env;
  };

  it('removes what shadows the profile, points at tfwrap files, keeps endpoints and the rest', async () => {
    const out = await prepareManagedEnv(parent(), { identity: 'deployer', credentials, region: 'eu-west-1', paths: { realmConfigDir: join(dir, 'realm') } });
    const files = managedFiles(join(dir, 'realm'));
    for (const name of SHADOWING_VARIABLES) if (!['AWS_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_CREDENTIAL_EXPIRATION'].includes(name)) assert.equal(out[name], undefined, name);
    assert.equal(out.AWS_PROFILE, 'deployer');
    assert.equal(out.AWS_SHARED_CREDENTIALS_FILE, files.credentialsFile);
    assert.equal(out.AWS_CONFIG_FILE, files.configFile);
    assert.equal(out.AWS_EC2_METADATA_DISABLED, 'true');
    assert.equal(out.AWS_REGION, 'eu-west-1');
    assert.equal(out.AWS_DEFAULT_REGION, 'eu-west-1');
    assert.equal(out.AWS_CREDENTIAL_EXPIRATION, '2030-01-01T00:00:00.000Z');
    for (const kept of ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL', 'AWS_CA_BUNDLE', 'UNRELATED', 'PATH']) assert.equal(out[kept], parent()[kept], kept);
    assert.equal(statSync(files.credentialsFile).mode & 0o777, 0o600);
    assert.equal(statSync(files.configFile).mode & 0o777, 0o600);
    assert.equal(statSync(files.dir).mode & 0o777, 0o700);
    assert.match(readFileSync(files.credentialsFile, 'utf8'), /^\[deployer\]\n; tfwrap: expiration=2030-01-01T00:00:00.000Z\naws_access_key_id = ASIAEXAMPLE000000001\n/);
    assert.equal(readFileSync(files.configFile, 'utf8'), '[profile deployer]\nregion = eu-west-1\noutput = json\n');
    assert.equal(existsSync(join(dir, '.aws')), false);
  });

  it('keeps other identities\' sections, replaces its own, and logout removes only it', async () => {
    const realm = join(dir, 'realm');
    await prepareManagedEnv({}, { identity: 'one', credentials, paths: { realmConfigDir: realm } });
    await prepareManagedEnv({}, { identity: 'two', credentials, paths: { realmConfigDir: realm } });
    await prepareManagedEnv({}, { identity: 'one', credentials: { ...credentials, accessKeyId: 'ASIANEWKEY0000000002' }, paths: { realmConfigDir: realm } });
    const text = readFileSync(managedFiles(realm).credentialsFile, 'utf8');
    assert.equal(text.match(/\[one\]/g)?.length, 1);
    assert.match(text, /\[two\]/);
    assert.match(text, /ASIANEWKEY0000000002/);
    await removeManagedProfile(realm, 'one');
    assert.doesNotMatch(readFileSync(managedFiles(realm).credentialsFile, 'utf8'), /\[one\]/);
    assert.doesNotMatch(readFileSync(managedFiles(realm).configFile, 'utf8'), /profile one/);
  });

  it('concurrent writers of different identities lose no section', async () => {
    const realm = join(dir, 'realm');
    const files = managedFiles(realm);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => updateManagedFiles(files, [[files.credentialsFile, `id${i}`, renderSection(`id${i}`, { k: String(i) })]])),
    );
    const text = readFileSync(files.credentialsFile, 'utf8');
    for (let i = 0; i < 8; i++) assert.match(text, new RegExp(`\\[id${i}\\]\\nk = ${i}`));
  });

  it('section replacement keeps comments and other sections', () => {
    const text = '; top\n[a]\nx = 1\n\n[b]\ny = 2\n';
    assert.equal(replaceSection(text, 'a', renderSection('a', { x: '3' })), '; top\n[b]\ny = 2\n\n[a]\nx = 3\n');
    assert.equal(replaceSection(text, 'b', undefined), '; top\n[a]\nx = 1\n');
  });

  it('a live run hands the child a credential_process that asks the parent', async () => {
    const cleanups: Array<() => void> = [];
    let asked = 0;
    const live: LiveRun = {
      refresh: async () => ({ ...credentials, accessKeyId: `ASIAFRESH${++asked}` }),
      onEnd: (cleanup) => cleanups.push(cleanup),
    };
    const out = await prepareManagedEnv(parent(), { identity: 'deployer', credentials, paths: { realmConfigDir: join(dir, 'realm') }, live });
    const again = await prepareManagedEnv(parent(), { identity: 'deployer', credentials, paths: { realmConfigDir: join(dir, 'realm') }, live });
    assert.equal(again.AWS_CONFIG_FILE, out.AWS_CONFIG_FILE, 'one server per identity and process');
    assert.equal(readFileSync(out.AWS_SHARED_CREDENTIALS_FILE!, 'utf8'), '', 'nothing shadows credential_process');
    const config = readFileSync(out.AWS_CONFIG_FILE!, 'utf8');
    const command = /credential_process = (.*)/.exec(config)![1]!;
    const run = promisify(execFile);
    const first = JSON.parse((await run('sh', ['-c', command])).stdout) as Record<string, unknown>;
    assert.deepEqual(first, { Version: 1, AccessKeyId: 'ASIAFRESH1', SecretAccessKey: credentials.secretAccessKey, SessionToken: credentials.sessionToken, Expiration: '2030-01-01T00:00:00.000Z' });
    const second = JSON.parse((await run('sh', ['-c', command])).stdout) as Record<string, unknown>;
    assert.equal(second.AccessKeyId, 'ASIAFRESH2');
    // A wrong token is refused.
    const runDir = join(command, '..');
    assert.equal(statSync(join(runDir, 'socket')).mode & 0o777, 0o600);
    writeFileSync(join(runDir, 'token'), 'ab'.repeat(32));
    await assert.rejects(run('sh', ['-c', command]), /wrong token/);
    for (const cleanup of cleanups) cleanup();
    assert.equal(existsSync(runDir), false, 'run files are removed when the child ends');
  });

  it('removes run directories of processes that no longer exist', async () => {
    const runs = join(dir, 'realm', 'runs');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(runs, '999999999-dead'), { recursive: true });
    mkdirSync(join(runs, `${process.ppid}-alive`), { recursive: true });
    const cleanups: Array<() => void> = [];
    await prepareManagedEnv({}, { identity: 'other', credentials, paths: { realmConfigDir: join(dir, 'realm') }, live: { refresh: async () => credentials, onEnd: (c) => cleanups.push(c) } });
    assert.equal(existsSync(join(runs, '999999999-dead')), false);
    assert.equal(existsSync(join(runs, `${process.ppid}-alive`)), true);
    cleanups.forEach((c) => c());
  });
});
