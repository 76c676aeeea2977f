import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tfwrap, TfwrapError, withFileLock, type Run } from '@tfwrap/core';
import type { ComponentInstance } from '@tfwrap/stacks';
import { writeStoreHook } from './store-hooks.js';
import { openStore } from './stores.js';

describe('store hooks: writing outputs to a store (yaml-file, read-only stores)', () => {
  let dir: string;
  let run: Run;
  const net = { stack: 'dev', name: 'net' } as ComponentInstance;
  const outputs = async () => ({ vpc_id: { value: 'vpc-1' }, tags: { value: { team: 'net', cost: 3 } } });
  const missing = () => new TfwrapError('E_CONFIG_INVALID', 'no such store');

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tfwrap-store-hooks-'));
    writeFileSync(path.join(dir, 'tfwrap.yaml'), [
      'stores:',
      '  local: { type: yaml-file, options: { path: stores/out.yaml } }',
      '  json: { type: yaml-file, options: { path: out.json } }',
      '  readonly: { type: fixture/read-only }',
      '',
    ].join('\n'));
    writeFileSync(path.join(dir, 'out.json'), '{}');
    const tfwrap = await Tfwrap.create({ cwd: dir, env: { PATH: process.env.PATH!, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'c'), XDG_CACHE_HOME: path.join(dir, 'k') }, builtinPlugins: [] });
    tfwrap.storeTypes.register({ type: 'fixture/read-only', open: () => ({ get: async () => undefined }) });
    run = await tfwrap.startRun({ command: 'apply', args: [], cwd: dir });
  });
  afterEach(async () => {
    await run.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes outputs and literal values under <stack>: <component>:, keeps the file\'s comments, and a read of the same run sees them', async () => {
    const file = path.join(dir, 'stores/out.yaml');
    await writeStoreHook(run, 'h', { store: 'local', outputs: { vpc_id: '.vpc_id' } }, net, outputs);
    writeFileSync(file, `# kept\n${readFileSync(file, 'utf8')}`);
    await writeStoreHook(run, 'h', { store: 'local', outputs: { tags: '.tags', team: 'platform' } }, net, outputs);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# kept$/m);
    const { store } = await openStore(run, 'local', missing);
    assert.equal(await store.get('dev', 'net', 'vpc_id'), 'vpc-1');
    assert.deepEqual(await store.get('dev', 'net', 'tags'), { team: 'net', cost: 3 });
    assert.equal(await store.get('dev', 'net', 'team'), 'platform');

    await writeStoreHook(run, 'h', { store: 'json', outputs: { vpc_id: '.vpc_id' } }, net, outputs);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8')), { dev: { net: { vpc_id: 'vpc-1' } } });
  });

  it('Ctrl-C while another writer holds the yaml-file store\'s lock ends the wait: interrupted, nothing written', async () => {
    const file = path.join(dir, 'out.json');
    let release!: () => void;
    const holder = withFileLock(file, () => new Promise<void>((resolve) => (release = resolve)), { waitMs: 0, staleMs: 10_000 });
    while (!release) await new Promise((resolve) => setTimeout(resolve, 10));
    try {
      // The interrupt comes once the hook has its outputs, while its write waits for the lock (10 s).
      const interruptSoon = async () => {
        setTimeout(() => run.interrupt('SIGINT'), 50);
        return outputs();
      };
      await assert.rejects(writeStoreHook(run, 'h', { store: 'json', outputs: { vpc_id: '.vpc_id' } }, net, interruptSoon), (err: TfwrapError) => err.code === 'E_INTERRUPTED');
      assert.equal(readFileSync(file, 'utf8'), '{}');
    } finally {
      release();
      await holder;
    }
  });

  it('a read-only store, an unknown output and an unknown store are refused, naming the hook, component and stack', async () => {
    await assert.rejects(writeStoreHook(run, 'h', { store: 'readonly', outputs: { a: '.vpc_id' } }, net, outputs), (err: TfwrapError) =>
      err.code === 'E_CONFIG_INVALID' && err.message === "store hook 'h' of component 'net' in stack 'dev': store 'readonly' (type fixture/read-only) cannot be written: it is read-only");
    await assert.rejects(writeStoreHook(run, 'h', { store: 'local', outputs: { a: '.subnet_id' } }, net, outputs), (err: TfwrapError) =>
      err.code === 'E_FUNCTION_FAILED' && /has no terraform output 'subnet_id' for key 'a'/.test(err.message) && err.hint === 'its outputs: tags, vpc_id');
    await assert.rejects(writeStoreHook(run, 'h', { store: 'nope', outputs: { a: 'b' } }, net, outputs), (err: TfwrapError) =>
      err.code === 'E_CONFIG_INVALID' && /there is no store 'nope'/.test(err.message) && /known stores: local, json, readonly/.test(err.hint ?? ''));
  });
});
