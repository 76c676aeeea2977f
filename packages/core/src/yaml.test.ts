import assert from 'node:assert/strict';
import jsYaml from 'js-yaml';
import { TfwrapError } from './errors.js';
import { YAML_LIMITS, parseYaml } from './yaml.js';

describe('parseYaml bounds', () => {
  it('reads a document with anchors (parsed by yaml) as js-yaml reads it', () => {
    const text = 'base: &b { x: 1, day: 2020-01-01, on: yes, n: ~ }\nc:\n  <<: *b\n  y: [*b]\n';
    assert.deepEqual(parseYaml(text, 'f.yaml'), jsYaml.load(text));
  });

  it('refuses a document larger than the cap, naming the file', () => {
    const text = `a: "${'x'.repeat(YAML_LIMITS.maxBytes)}"\n`;
    assert.throws(() => parseYaml(text, 'big.yaml'), (err: TfwrapError) => err.code === 'E_CONFIG_SYNTAX' && err.location?.file === 'big.yaml');
  });

  it('allows nesting up to the depth cap', () => {
    const depth = YAML_LIMITS.maxDepth - 2;
    assert.doesNotThrow(() => parseYaml(`a: ${'['.repeat(depth)}${']'.repeat(depth)}`, 'ok.yaml'));
  });
});
