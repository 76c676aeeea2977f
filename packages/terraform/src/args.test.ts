import assert from 'node:assert/strict';
import { hasFlag, maskArgs, splitTerraformArgs } from './args.js';

describe('splitTerraformArgs', () => {
  it("sends Terraform's single-dash flags to Terraform and keeps tfwrap's own words", () => {
    assert.deepEqual(splitTerraformArgs(['dev', '-auto-approve', 'app', '-s', 'x', '--parallelism', '2', '-detailed-exitcode', '-input=false']), {
      own: ['dev', 'app', '-s', 'x', '--parallelism', '2'],
      terraform: ['-auto-approve', '-detailed-exitcode', '-input=false'],
    });
  });

  it('takes the value of flags written with a space', () => {
    assert.deepEqual(splitTerraformArgs(['dev', '-var', 'a=b', '-target', 'x.y', '-out', 'plan.bin', '-i', 'id']), {
      own: ['dev', '-i', 'id'],
      terraform: ['-var', 'a=b', '-target', 'x.y', '-out', 'plan.bin'],
    });
  });

  it('passes everything after -- untouched', () => {
    assert.deepEqual(splitTerraformArgs(['app', '-s', 'dev', '--', 'list', '-id', 'x']), { own: ['app', '-s', 'dev'], terraform: ['list', '-id', 'x'] });
  });
});

describe('hasFlag', () => {
  it('finds -name, --name and -name=value, but not -name=false', () => {
    assert.ok(hasFlag(['-auto-approve'], 'auto-approve'));
    assert.ok(hasFlag(['--auto-approve'], 'auto-approve'));
    assert.ok(hasFlag(['-detailed-exitcode=true'], 'detailed-exitcode'));
    assert.ok(!hasFlag(['-auto-approve=false'], 'auto-approve'));
    assert.ok(!hasFlag(['-auto'], 'auto-approve'));
  });
});

describe('maskArgs', () => {
  it('masks the values of -var and -backend-config, in both spellings, and nothing else', () => {
    assert.deepEqual(
      maskArgs(['plan', '-var', 'db_password=hunter2', '-var=token=abc', '-backend-config=access_key=AK', '-backend-config', 'backend.hcl', '-out', 'plan.bin', '-input=false']),
      ['plan', '-var', 'db_password=***', '-var=token=***', '-backend-config=access_key=***', '-backend-config', 'backend.hcl', '-out', 'plan.bin', '-input=false'],
    );
  });
});
