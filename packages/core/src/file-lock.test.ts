import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from './file-lock.js';

const codeOf = (err: unknown) => (err as { code?: string } | undefined)?.code;

describe('withFileLock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tfwrap-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs concurrent holders one at a time and removes the lock afterwards', async () => {
    const file = join(dir, 'cache.json');
    let inside = 0;
    let most = 0;
    const unlocked: unknown[] = [];
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        withFileLock(file, async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 20));
          inside--;
          return i;
        }, { waitMs: 30_000, staleMs: 10_000, onUnlocked: (err) => unlocked.push(err) }),
      ),
    );
    assert.deepEqual(results, [0, 1, 2, 3]);
    assert.equal(most, 1);
    assert.deepEqual(unlocked, []);
    assert.equal(existsSync(`${file}.lock`), false);
  });

  it('works unlocked, once told why, when another process holds the lock past the wait', async () => {
    const file = join(dir, 'cache.json');
    // Another process holds the lock until its stdin closes.
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      const { withFileLock } = await import(${JSON.stringify(new URL('./file-lock.js', import.meta.url).href)});
      await withFileLock(${JSON.stringify(file)}, async () => {
        process.stdout.write('held\\n');
        process.stdin.resume();
        await new Promise((resolve) => process.stdin.on('end', resolve));
      }, { waitMs: 0, staleMs: 10_000 });
    `], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await once(holder.stdout, 'data');
      const events: string[] = [];
      const ran = await withFileLock(file, async () => 'ran', {
        waitMs: 3_000, // long enough that even a slow first attempt is followed by a wait
        staleMs: 10_000,
        onWait: () => events.push('wait'),
        onUnlocked: (err) => events.push(`unlocked ${codeOf(err)}`),
      });
      assert.equal(ran, 'ran');
      assert.deepEqual(events, ['wait', 'unlocked ELOCKED']);
    } finally {
      holder.stdin.end();
      await once(holder, 'exit');
    }
    // Released by the holder: the next caller gets the lock without waiting.
    const events: string[] = [];
    await withFileLock(file, async () => undefined, { waitMs: 300, staleMs: 10_000, onWait: () => events.push('wait'), onUnlocked: () => events.push('unlocked') });
    assert.deepEqual(events, []);
  });

  it('stops waiting when the signal aborts', async () => {
    const file = join(dir, 'cache.json');
    const controller = new AbortController();
    let codeSeen: string | undefined;
    await withFileLock(file, async () => {
      const waiting = withFileLock(file, async () => 'unlocked work', {
        waitMs: 60_000,
        staleMs: 10_000,
        signal: controller.signal,
        onWait: () => controller.abort(),
        onUnlocked: (err) => (codeSeen = codeOf(err)),
      });
      // Resolves while the outer lock is still held: the abort ended the 60-second wait.
      assert.equal(await waiting, 'unlocked work');
    }, { waitMs: 0, staleMs: 10_000 });
    assert.equal(codeSeen, 'ELOCKED');
  });

  it('works unlocked when the lock cannot be created at all', async () => {
    const file = join(dir, 'missing-dir', 'cache.json');
    let codeSeen: string | undefined;
    const ran = await withFileLock(file, async () => 'ran', { waitMs: 1_000, staleMs: 10_000, onUnlocked: (err) => (codeSeen = codeOf(err)) });
    assert.equal(ran, 'ran');
    assert.equal(codeSeen, 'ENOENT');
  });

  it('passes on the error work throws, and releases the lock', async () => {
    const file = join(dir, 'cache.json');
    await assert.rejects(withFileLock(file, async () => { throw new Error('boom'); }, { waitMs: 0, staleMs: 10_000 }), /boom/);
    assert.equal(existsSync(`${file}.lock`), false);
  });
});
