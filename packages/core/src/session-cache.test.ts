import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redactor, createLogger } from './logger.js';
import { SessionCache, credentialsFingerprint, isSessionFresh, stableHash } from './session-cache.js';

describe('session cache', () => {
  let dir: string;
  const warnings: string[] = [];
  const log = createLogger({ redactor: new Redactor(), write: (line) => warnings.push(line) });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tfwrap-cache-'));
    warnings.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const session = (expiresInS: number, ageS = 0) => ({
    identity: 'deployer',
    kind: 'test/kind',
    issuedAt: new Date(Date.now() - ageS * 1000).toISOString(),
    credentials: { type: 'test', secret: 'sekrit-value', expiration: new Date(Date.now() + expiresInS * 1000) },
    chain: [{ identity: 'root', kind: 'test/root' }],
  });

  it('stable hashes ignore key order and undefined fields', () => {
    assert.equal(stableHash({ a: 1, b: [1, { c: 2, d: undefined }] }), stableHash({ b: [1, { c: 2 }], a: 1 }));
    assert.notEqual(stableHash({ a: 1 }), stableHash({ a: 2 }));
    assert.notEqual(credentialsFingerprint({ type: 'aws', accessKeyId: 'A', secretAccessKey: 'x' }), credentialsFingerprint({ type: 'aws', accessKeyId: 'A', secretAccessKey: 'y' }));
  });

  it('writes 0600 files in 0700 directories and reads them back with dates', async () => {
    const cache = new SessionCache(dir, log);
    await cache.write(session(3600), 'k'.repeat(64));
    const file = cache.fileFor('deployer', 'k'.repeat(64));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(file, '..')).mode & 0o777, 0o700);
    const back = await cache.read('deployer', 'k'.repeat(64));
    assert.ok(back?.credentials.expiration instanceof Date);
    assert.equal(back.chain[0]!.identity, 'root');
    assert.deepEqual(readdirSync(join(file, '..')), [file.split('/').pop()], 'no temp file left behind');
  });

  it('sets a corrupt file aside with a warning', async () => {
    const cache = new SessionCache(dir, log);
    await cache.write(session(3600), 'abc');
    writeFileSync(cache.fileFor('deployer', 'abc'), '{"version":1,');
    assert.equal(await cache.read('deployer', 'abc'), undefined);
    assert.match(warnings.join('\n'), /unreadable.*set aside/);
    assert.ok(readdirSync(join(cache.fileFor('deployer', 'abc'), '..')).some((f) => f.includes('.corrupt-')));
  });

  it('is fresh while more than the margin remains, the margin capped at half the lifetime', () => {
    const margin = { marginSeconds: 900 };
    assert.equal(isSessionFresh(session(3600), margin), true);
    assert.equal(isSessionFresh(session(600, 3000), margin), false, '10 min left of an hour');
    assert.equal(isSessionFresh(session(600, 3000), { marginSeconds: 300 }), true);
    assert.equal(isSessionFresh(session(900 - 5, 5), margin), true, 'a 15-minute session is reusable in its first half');
    assert.equal(isSessionFresh(session(400, 500), margin), false);
    assert.equal(isSessionFresh({ issuedAt: new Date().toISOString(), credentials: { type: 'x' } }, margin), true, 'no expiry');
  });

  it('single-flight: concurrent lockers run one at a time', async () => {
    const cache = new SessionCache(dir, log);
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        cache.withLock('deployer', 'key', async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 20));
          inside--;
        }),
      ),
    );
    assert.equal(most, 1);
  });

  it('removes one identity or all', async () => {
    const cache = new SessionCache(dir, log);
    await cache.write(session(3600), 'a');
    await cache.write({ ...session(3600), identity: 'other' }, 'b');
    assert.equal(cache.remove('deployer'), 1);
    assert.equal(await cache.read('deployer', 'a'), undefined);
    assert.ok(await cache.read('other', 'b'));
    assert.equal(cache.remove(), 1);
    assert.equal(await cache.read('other', 'b'), undefined);
  });
});
