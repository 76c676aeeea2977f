import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initConfig, topLevelBlocks } from './init-config.js';
import { lockedProviders, partialInitArgs } from './init-fingerprint.js';

describe('init config scanner', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'tfwrap-initcfg-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  };
  const digestOf = () => initConfig(dir).lines.join('\n');

  it('cuts top-level blocks through strings, templates, heredocs and comments', () => {
    const blocks = topLevelBlocks(`
# a comment with { brace
resource "x_y" "z" {
  a = "}"  // another }
  b = "\${jsonencode({ k = "}" })}"
  c = <<EOT
  } not a brace
EOT
  /* { */
}
terraform { required_version = ">= 1.0" }
`);
    assert.deepEqual(blocks?.map((b) => [b.type, b.labels]), [['resource', ['x_y', 'z']], ['terraform', []]]);
  });

  it('changes with init inputs and not with resource arguments', () => {
    write('main.tf', 'resource "aws_s3_bucket" "b" { bucket = "one" }\n');
    const first = digestOf();
    write('main.tf', 'resource "aws_s3_bucket" "b" { bucket = "two" }\noutput "o" { value = 1 }\n');
    assert.equal(digestOf(), first, 'a resource argument and an output are not init inputs');
    write('main.tf', 'resource "aws_s3_bucket" "b" { bucket = "two" }\nresource "google_x" "y" {}\n');
    assert.notEqual(digestOf(), first, 'a resource of a new provider is');
  });

  it('follows local module sources and records the root module calls', () => {
    write('main.tf', 'module "a" { source = "./modules/a" }\nmodule "r" {\n  source  = "terraform-aws-modules/vpc/aws"\n  version = "5.0.0"\n}\n');
    write('modules/a/main.tf', 'module "b" { source = "../b" }\n');
    write('modules/b/main.tf', 'output "x" { value = 1 }\n');
    const config = initConfig(dir);
    assert.deepEqual(config.moduleCalls, ['a', 'r']);
    const before = config.lines.join('\n');
    write('modules/b/versions.tf', 'terraform {\n  required_providers {\n    null = { source = "hashicorp/null" }\n  }\n}\n');
    assert.notEqual(digestOf(), before, 'a requirement two local modules down counts');
  });

  it('reads .tf.json files', () => {
    write('backend.tf.json', JSON.stringify({ terraform: { backend: { s3: { key: 'a' } } } }));
    const first = digestOf();
    write('backend.tf.json', JSON.stringify({ terraform: { backend: { s3: { key: 'b' } } } }));
    assert.notEqual(digestOf(), first);
  });

  it('reads the lock file and knows partial init arguments', () => {
    assert.deepEqual(lockedProviders('provider "registry.terraform.io/hashicorp/aws" {\n  version     = "5.100.0"\n  constraints = ">= 5.0"\n  hashes = [\n    "h1:x",\n  ]\n}\n'), [
      { address: 'registry.terraform.io/hashicorp/aws', version: '5.100.0' },
    ]);
    assert.equal(partialInitArgs(['-backend=false']), true);
    assert.equal(partialInitArgs(['-get=false']), true);
    assert.equal(partialInitArgs(['-upgrade', '-backend-config=x.hcl']), false);
  });
});
