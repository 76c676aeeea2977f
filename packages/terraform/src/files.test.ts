import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ComponentInstance } from '@tfwrap/stacks';
import { writeComponentFiles, writeFileAtomic } from './files.js';

describe('component files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'tfwrap-files-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const instance = (over: Partial<ComponentInstance> = {}): ComponentInstance => ({
    stack: 'prod/us-east-1', name: 'vpc/main', component: 'vpc', componentDir: dir, type: 'real', locked: false, enabled: true, inherits: [], metadata: {}, providers: {}, crossStackDependsOn: [], fileDependencies: [], folderDependencies: [], listMergeStrategy: 'replace',
    vars: { cidr: '10.0.0.0/16', tags: { a: 'b' } }, env: {}, settings: {}, hooks: {}, command: 'terraform', dependsOn: [], workspace: 'prod-us-east-1',
    varfileName: 'prod-us-east-1-vpc-main.terraform.tfvars.json', sources: [], ...over,
  });

  it('writes the var file and backend.tf.json, leaving no temporary file', () => {
    const written = writeComponentFiles(instance({ backendType: 's3', backend: { bucket: 'b', key: 'k' } }));
    assert.equal(path.basename(written.varfile), 'prod-us-east-1-vpc-main.terraform.tfvars.json');
    assert.deepEqual(JSON.parse(readFileSync(written.varfile, 'utf8')), { cidr: '10.0.0.0/16', tags: { a: 'b' } });
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'backend.tf.json'), 'utf8')), { terraform: { backend: { s3: { bucket: 'b', key: 'k' } } } });
    assert.ok(written.backendChanged);
    assert.deepEqual(readdirSync(dir).sort(), ['backend.tf.json', 'prod-us-east-1-vpc-main.terraform.tfvars.json']);
  });

  it('writes no backend file without backend_type, and reports an unchanged backend', () => {
    assert.equal(writeComponentFiles(instance()).backendFile, undefined);
    const withBackend = instance({ backendType: 'local', backend: {} });
    assert.ok(writeComponentFiles(withBackend).backendChanged);
    assert.ok(!writeComponentFiles(withBackend).backendChanged);
  });

  it('does not rewrite a file that already holds the text', () => {
    const file = path.join(dir, 'x.json');
    assert.ok(writeFileAtomic(file, 'one'));
    const before = statSync(file).ino;
    assert.ok(!writeFileAtomic(file, 'one'));
    assert.ok(writeFileAtomic(file, 'two'));
    assert.notEqual(statSync(file).ino, before, 'replaced by rename, not written in place');
    assert.equal(readFileSync(file, 'utf8'), 'two');
  });
});
