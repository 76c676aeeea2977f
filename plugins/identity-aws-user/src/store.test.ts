import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyStore, entryFile, entryName, fileBackend, memoryBackend, openKeyStore, readOrder, selectBackend, systemBackend, type KeyBackend, type StoredKeys } from './store.js';

const KEYS: StoredKeys = { accessKeyId: 'AKIASTORETEST0000001', secretAccessKey: 'store-test-secret-access-key-000000000000' };

/** A keychain that never answers (a locked Secret Service behind a D-Bus that hangs). */
function hanging(calls: string[]): KeyBackend {
  return {
    name: 'system',
    describe: () => 'a hanging keychain',
    get: () => (calls.push('system'), new Promise(() => {})),
    set: () => (calls.push('system'), new Promise(() => {})),
    delete: () => new Promise(() => {}),
  };
}

/** A keychain that fails at once (no Secret Service, no kernel keyring). */
function throwing(calls: string[]): KeyBackend {
  const fail = async (): Promise<never> => {
    calls.push('system');
    throw new Error("Couldn't access platform storage: AccessDenied");
  };
  return { name: 'system', describe: () => 'a broken keychain', get: fail, set: fail, delete: fail };
}

function recorded(backend: KeyBackend, calls: string[]): KeyBackend {
  return { ...backend, get: (entry, signal) => (calls.push(backend.name), backend.get(entry, signal)) };
}

describe('aws/user key store', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tfwrap-keystore-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // The limit is per backend call, the file store's too: 1 s lets a loaded machine's file I/O
  // finish while a hanging keychain still gives up soon; tests without one never wait on it.
  function store(system: KeyBackend, calls: string[], selected: 'system' | 'file' | 'memory' = 'system') {
    const timeoutMs = system.describe('') === 'a hanging keychain' ? 1000 : 30_000;
    return new KeyStore({ selected, timeoutMs, backends: { system, file: recorded(fileBackend(join(dir, 'keys')), calls), memory: recorded(memoryBackend(new Map()), calls) } });
  }

  it('reads the system keychain first, then the file store; file and memory read only themselves', () => {
    assert.deepEqual(readOrder('system'), ['system', 'file']);
    assert.deepEqual(readOrder('file'), ['file']);
    assert.deepEqual(readOrder('memory'), ['memory']);
  });

  it('gives up on a keychain that hangs and uses the file store', async () => {
    const calls: string[] = [];
    await fileBackend(join(dir, 'keys')).set('r/alice', KEYS, new AbortController().signal);
    const outcome = await store(hanging(calls), calls).read('r/alice');
    assert.deepEqual(calls, ['system', 'file']);
    assert.deepEqual(outcome.keys, KEYS);
    assert.equal(outcome.from, 'file');
    assert.match(outcome.problems.join(), /the system keychain did not answer a read within 1 s/);
  });

  it('uses the file store after a keychain that throws, and reports both when neither has the keys', async () => {
    const calls: string[] = [];
    const outcome = await store(throwing(calls), calls).read('r/bob');
    assert.deepEqual(calls, ['system', 'file']);
    assert.equal(outcome.keys, undefined);
    assert.deepEqual(outcome.tried, ['system', 'file']);
    assert.deepEqual(outcome.problems, ["the system keychain: Couldn't access platform storage: AccessDenied"]);
  });

  it('never touches the keychain when the file or memory store is selected', async () => {
    const calls: string[] = [];
    await store(throwing(calls), calls, 'file').read('r/alice');
    await store(hanging(calls), calls, 'memory').read('r/alice');
    assert.deepEqual(calls, ['file', 'memory']);
  });

  it('writes only where told: a failing keychain is an error, not a quiet plain-text file', async () => {
    const calls: string[] = [];
    await assert.rejects(store(hanging(calls), calls).write('r/alice', KEYS), /the system keychain did not answer a write within 1 s/);
    await assert.rejects(store(throwing(calls), calls).write('r/alice', KEYS), /AccessDenied/);
    assert.equal((await fileBackend(join(dir, 'keys')).get('r/alice', new AbortController().signal)), undefined);
  });

  it('keeps the file store in 0600 files in a 0700 directory, and refuses a file others may read', async () => {
    const keysDir = join(dir, 'keys');
    const where = await store(throwing([]), [], 'file').write('realm/alice', KEYS);
    assert.equal(where, entryFile(keysDir, 'realm/alice'));
    assert.equal(statSync(keysDir).mode & 0o777, 0o700);
    assert.equal(statSync(where).mode & 0o777, 0o600);
    assert.ok(where.startsWith(keysDir + '/') && !where.slice(keysDir.length + 1).includes('/'), 'the entry name stays inside the directory');
    assert.deepEqual(JSON.parse(readFileSync(where, 'utf8')).access_key_id, KEYS.accessKeyId);
    assert.deepEqual((await store(throwing([]), [], 'file').read('realm/alice')).keys, KEYS);
    chmodSync(where, 0o644);
    const outcome = await store(throwing([]), [], 'file').read('realm/alice');
    assert.equal(outcome.keys, undefined);
    assert.match(outcome.problems.join(), /may be read by other users \(mode 644\); run chmod 600/);
    // A directory that was too open is tightened on the next write.
    chmodSync(keysDir, 0o755);
    await store(throwing([]), [], 'file').write('realm/alice', KEYS);
    assert.equal(statSync(keysDir).mode & 0o777, 0o700);
    assert.equal(statSync(where).mode & 0o777, 0o600);
  });

  it('removes an entry from every store a read would try', async () => {
    const s = store(throwing([]), []);
    await fileBackend(join(dir, 'keys')).set('r/alice', KEYS, new AbortController().signal);
    const { removed, problems } = await s.remove('r/alice');
    assert.deepEqual(removed, [entryFile(join(dir, 'keys'), 'r/alice')]);
    assert.match(problems.join(), /AccessDenied/);
    assert.equal((await s.read('r/alice')).keys, undefined);
  });

  it('picks the backend from TFWRAP_KEYRING, then the configuration, then system', () => {
    assert.equal(selectBackend({}, undefined), 'system');
    assert.equal(selectBackend({}, 'file'), 'file');
    assert.equal(selectBackend({ TFWRAP_KEYRING: 'Memory' }, 'file'), 'memory');
    assert.throws(() => selectBackend({ TFWRAP_KEYRING: 'vault' }, undefined), /TFWRAP_KEYRING="vault" is not a keyring backend; use one of system, file, memory/);
    assert.equal(openKeyStore({ env: { TFWRAP_KEYRING_TIMEOUT: '2' }, configDir: dir }).options.timeoutMs, 2000);
    assert.equal(entryName('alice', '0123456789abcdef'), '0123456789abcdef/alice');
    assert.equal(entryName('alice', '0123456789abcdef', 'alice@acme'), 'alice@acme');
  });

  it('kills a keychain helper that never answers, within the time limit', async () => {
    const helper = join(dir, 'stuck-helper.mjs');
    writeFileSync(helper, 'setInterval(() => {}, 1000);\n');
    const s = new KeyStore({ selected: 'system', timeoutMs: 300, backends: { system: systemBackend({ PATH: process.env.PATH }, helper), file: fileBackend(join(dir, 'keys')), memory: memoryBackend(new Map()) } });
    const outcome = await s.read('r/alice');
    assert.equal(outcome.keys, undefined);
    assert.match(outcome.problems.join(), /the system keychain did not answer a read within 0.3 s/);
  });

  it('reports a helper that dies without answering', async () => {
    const helper = join(dir, 'dying-helper.mjs');
    writeFileSync(helper, 'process.stderr.write("boom\\n"); process.exit(3);\n');
    const outcome = await new KeyStore({ selected: 'system', timeoutMs: 5000, backends: { system: systemBackend({}, helper), file: fileBackend(join(dir, 'keys')), memory: memoryBackend(new Map()) } }).read('r/x');
    assert.match(outcome.problems.join(), /the keychain helper ended \(code 3\) without an answer: boom/);
  });
});
