import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClosureCache } from './closure-cache.js';

describe('ClosureCache: stays as large as the repository', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tfwrap-closure-cache-'));
    mkdirSync(path.join(dir, 'stacks'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const noGlobs = () => [];
  const manifest = (name: string) => {
    const file = path.join(dir, 'stacks', name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `vars: { name: ${name} }\n`);
    return file;
  };
  const cacheFiles = () => readdirSync(path.join(dir, 'cache', 'validation')).sort();

  it('a save replaces the file of the same stacks directory under another key (settings, build), not another directory\'s', () => {
    const file = manifest('dev.yaml');
    const cacheDir = path.join(dir, 'cache');
    const stacks = path.join(dir, 'stacks');
    const save = (scope: string, key: unknown) => {
      const cache = new ClosureCache<string>(ClosureCache.fileFor(cacheDir, 'validation', scope, key), noGlobs, 'content');
      cache.store('dev', 'ok', [file]);
      cache.save();
    };
    save(stacks, ['build 1']);
    save('/elsewhere/stacks', ['build 1']);
    assert.equal(cacheFiles().length, 2);
    // A file named the way tfwrap named them before (one hash of everything) goes too.
    writeFileSync(path.join(cacheDir, 'validation', `${'0a'.repeat(16)}.json`), '{}');
    const [elsewhere] = cacheFiles().filter((name) => name === path.basename(ClosureCache.fileFor(cacheDir, 'validation', '/elsewhere/stacks', ['build 1'])));
    assert.ok(elsewhere);
    save(stacks, ['build 2']);
    assert.deepEqual(cacheFiles(), [path.basename(ClosureCache.fileFor(cacheDir, 'validation', stacks, ['build 2'])), elsewhere].sort());
  });

  it('keeps only the entries the run used, and the files only they depended on are forgotten', () => {
    const dev = manifest('dev/stack.yaml');
    const gone = manifest('gone/stack.yaml');
    const file = ClosureCache.fileFor(path.join(dir, 'cache'), 'validation', path.join(dir, 'stacks'), [1]);
    const first = new ClosureCache<string>(file, noGlobs, 'content');
    first.store('dev', 'dev result', [dev]);
    first.store('gone', 'gone result', [gone]);
    first.save();
    assert.match(readFileSync(file, 'utf8'), /gone/);

    // The next run lists only dev (gone/ was deleted): dev is found, gone is dropped with its files.
    rmSync(path.dirname(gone), { recursive: true });
    const second = new ClosureCache<string>(file, noGlobs, 'content');
    assert.equal(second.lookup('dev'), 'dev result');
    second.save();
    const saved = readFileSync(file, 'utf8');
    assert.doesNotMatch(saved, /gone/);
    const third = new ClosureCache<string>(file, noGlobs, 'content');
    assert.equal(third.lookup('dev'), 'dev result', 'the renumbered dependencies still match');
    assert.equal(third.lookup('gone'), undefined);
  });

  for (const stamping of ['stat', 'content'] as const) {
    it(`a value kept for directories (${stamping}) lasts while no entry is added, removed or renamed in them; a file's edit keeps it`, () => {
      const dev = manifest('deploy/dev.yaml');
      const deploy = path.dirname(dev);
      const file = ClosureCache.fileFor(path.join(dir, 'cache'), 'stack-names', path.join(dir, 'stacks'), [stamping]);
      const next = () => new ClosureCache<string[]>(file, noGlobs, stamping);
      const keep = (files: string[]) => {
        const cache = next();
        cache.storeForDirectories('listing', files, [path.join(dir, 'stacks'), deploy]);
        cache.save();
      };
      keep([dev]);
      writeFileSync(dev, 'vars: { name: edited, longer: true }\n');
      assert.deepEqual(next().lookup('listing'), [dev]);
      for (const change of [
        () => manifest('deploy/prod.yaml'),
        () => rmSync(path.join(deploy, 'prod.yaml')),
        () => renameSync(dev, path.join(deploy, 'renamed.yaml')),
        () => mkdirSync(path.join(dir, 'stacks', 'new')),
      ]) {
        keep([dev]);
        change();
        assert.equal(next().lookup('listing'), undefined, String(change));
      }
    });
  }
});
